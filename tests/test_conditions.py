"""Conditions: the team marks one met with its evidence (words, a file or both), the council
role that set it confirms it or sends it back (SPEC section 5; issue 12, points 3 and 6).

Personas as everywhere: alice is in the owning team, charlie in another team, privacy sets
the conditions (demo.scenarios.approve), legal is another role of the review, chris the chair.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import workflows
from audit.models import AuditEvent
from common.errors import ActionForbidden, TransitionNotAllowed
from council.models import Notification, NotificationKind
from oversight.exports import RegistryFilters, registry_rows
from oversight.selectors import home_waiting
from reviews import services
from reviews.models import Condition, ConditionStatus
from reviews.notifications import remind_due_votes_and_conditions
from reviews.selectors import Standing, condition_confirm_refusal

from .factories import RoleFactory, UserFactory
from .registry_support import entry_data
from .reviews_support import approve_review, reviewer_for

CONDITIONS = "/api/v1/conditions/"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def upload(name="notice.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def conditional(make_use_case, council, alice):
    """A use case approved with a blocking condition set by privacy, not yet in the registry."""
    review = make_use_case("submitted").reviews.get()
    approve_review(review, alice, conditions=[{"text": "Publish the updated privacy notice"}])
    return Condition.objects.select_related("review__use_case").get(review=review)


def privacy_of(condition):
    return reviewer_for(condition.review, "privacy")


def fresh(condition):
    return Condition.objects.get(pk=condition.pk)


def page_of(condition):
    return reverse("reviews:detail", args=[condition.review_id])


def post_meet(client, condition, **data):
    url = reverse("reviews:meet", args=[condition.review_id, condition.pk])
    return client.post(url, {f"meet-{condition.pk}-{k}": v for k, v in data.items()})


def post_confirm(client, condition, **data):
    url = reverse("reviews:confirm", args=[condition.review_id, condition.pk])
    return client.post(url, {f"confirm-{condition.pk}-{k}": v for k, v in data.items()})


def go_live(condition, alice, owner):
    return workflows.deployment_create(
        actor=alice, use_case=condition.review.use_case, data=entry_data(owner, alice)
    )


# ---- the cycle, through the services --------------------------------------------------------


def test_the_role_that_set_it_is_kept_on_the_condition(conditional):
    assert conditional.confirming_role == "privacy"
    assert conditional.status == ConditionStatus.OPEN


def test_marked_met_it_waits_for_privacy_and_still_blocks_go_live(conditional, alice, owner):
    claimed = services.condition_meet(actor=alice, condition=conditional, evidence="On the site")
    assert claimed.status == "claimed"
    assert claimed.get_status_display() == "Met, awaiting confirmation"
    assert (claimed.claimed_by, claimed.closed_at) == (alice, None)
    with pytest.raises(ValidationError) as error:
        go_live(conditional, alice, owner)
    assert error.value.message_dict["use_case"] == [
        "Blocking condition still open: Publish the updated privacy notice"
    ]

    services.condition_confirm(
        actor=privacy_of(conditional), condition=conditional, verdict="confirmed"
    )
    met = fresh(conditional)
    assert (met.status, met.closed_by) == ("met", privacy_of(conditional))
    assert met.closed_at is not None
    assert go_live(conditional, alice, owner).reference.startswith("AI-")
    actions = list(
        AuditEvent.objects.filter(
            object_type="reviews.condition", object_id=str(conditional.pk)
        ).values_list("action", flat=True)
    )
    assert actions == ["condition_claimed", "condition_confirmed"]


def test_sent_back_it_is_open_again_with_the_comment_and_the_team_hears(conditional, alice):
    privacy = privacy_of(conditional)
    services.condition_meet(actor=alice, condition=conditional, evidence="Draft notice")
    told = Notification.objects.get(user=privacy, kind=NotificationKind.CONDITION_MARKED_MET)
    assert "awaits your confirmation" in told.subject
    with pytest.raises(ValidationError) as error:
        services.condition_confirm(
            actor=privacy, condition=conditional, verdict="sent_back", comment="  "
        )
    assert "comment" in error.value.message_dict

    services.condition_confirm(
        actor=privacy, condition=conditional, verdict="sent_back", comment="Not published yet"
    )
    back = fresh(conditional)
    assert (back.status, back.sent_back_comment, back.sent_back_by) == (
        "open",
        "Not published yet",
        privacy,
    )
    sent_back = Notification.objects.get(user=alice, kind=NotificationKind.CONDITION_SENT_BACK)
    assert "Not published yet" in sent_back.body
    assert not Notification.objects.filter(
        user=privacy, kind=NotificationKind.CONDITION_SENT_BACK
    ).exists()

    # Marked met again: privacy hears again (a new notification, not the first one's key).
    services.condition_meet(actor=alice, condition=back, evidence="Published: https://x.test")
    assert (
        Notification.objects.filter(
            user=privacy, kind=NotificationKind.CONDITION_MARKED_MET
        ).count()
        == 2
    )
    assert AuditEvent.objects.filter(action="condition_sent_back").get().changes["comment"] == [
        None,
        "Not published yet",
    ]


def test_the_chair_may_confirm_a_condition_another_role_set(conditional, alice, council):
    services.condition_meet(actor=alice, condition=conditional, evidence="Done")
    services.condition_confirm(actor=council["chair"], condition=conditional, verdict="confirmed")
    assert fresh(conditional).status == "met"


# ---- what must not be allowed ----------------------------------------------------------------


def test_the_team_another_role_and_an_auditor_cannot_confirm(
    conditional, alice, bob, council, auditor
):
    services.condition_meet(actor=alice, condition=conditional, evidence="Done")
    legal = reviewer_for(conditional.review, "legal")
    for user, words in [
        (alice, "the team does not confirm"),
        (bob, "the team does not confirm"),
        (legal, "Only the Privacy reviewer"),
        (auditor, "Auditors"),
    ]:
        with pytest.raises(ActionForbidden, match=words):
            services.condition_confirm(actor=user, condition=conditional, verdict="confirmed")
    assert fresh(conditional).status == "claimed"


def test_whoever_marked_it_met_cannot_confirm_it(conditional, alice):
    privacy = privacy_of(conditional)
    Condition.objects.filter(pk=conditional.pk).update(status="claimed", claimed_by=privacy)
    refusal = condition_confirm_refusal(
        Standing(user=privacy, review=conditional.review), fresh(conditional)
    )
    assert refusal is not None and "you marked this condition met" in str(refusal)


def test_it_is_confirmed_once_and_never_before_it_is_marked_met(conditional, alice):
    privacy = privacy_of(conditional)
    with pytest.raises(TransitionNotAllowed):
        services.condition_confirm(actor=privacy, condition=conditional, verdict="confirmed")
    services.condition_meet(actor=alice, condition=conditional, evidence="Done")
    with pytest.raises(TransitionNotAllowed):
        services.condition_meet(actor=alice, condition=conditional, evidence="Again")
    services.condition_confirm(actor=privacy, condition=conditional, verdict="confirmed")
    with pytest.raises(TransitionNotAllowed):
        services.condition_confirm(
            actor=privacy, condition=conditional, verdict="sent_back", comment="Late"
        )


def test_a_new_holder_of_the_seat_confirms_and_the_one_who_left_does_not(
    make_use_case, council, alice
):
    review = make_use_case("submitted").reviews.get()
    before = reviewer_for(review, "privacy")
    workflows.vote_cast(
        actor=before,
        review=review,
        choice="approve_with_conditions",
        conditions=[{"text": "Publish the notice"}],
    )
    condition = Condition.objects.get(review=review)
    newcomer = UserFactory(username="pat.privacy")
    RoleFactory(user=newcomer, role="privacy")
    services.review_reassign(
        actor=council["chair"], review=review, role="privacy", reviewer=newcomer
    )
    services.condition_meet(actor=alice, condition=condition, evidence="Done")
    assert Notification.objects.filter(
        user=newcomer, kind=NotificationKind.CONDITION_MARKED_MET
    ).exists()
    with pytest.raises(ActionForbidden):
        services.condition_confirm(actor=before, condition=condition, verdict="confirmed")
    services.condition_confirm(actor=newcomer, condition=condition, verdict="confirmed")
    assert (fresh(condition).status, fresh(condition).confirming_role) == ("met", "privacy")


# ---- counted as not closed -------------------------------------------------------------------


def test_awaiting_confirmation_is_not_overdue_for_the_team(conditional, alice):
    Condition.objects.filter(pk=conditional.pk).update(
        due_date=datetime.date.today() - datetime.timedelta(days=3)
    )
    services.condition_meet(actor=alice, condition=fresh(conditional), evidence="Done")
    remind_due_votes_and_conditions()
    assert not Notification.objects.filter(
        kind__in=[NotificationKind.CONDITION_OVERDUE, NotificationKind.CONDITION_DUE]
    ).exists()


def test_the_home_page_asks_privacy_to_confirm_and_no_longer_asks_the_team(conditional, alice):
    privacy = privacy_of(conditional)

    def kinds(user):
        return {kind.key: kind for kind in home_waiting(user=user)}

    assert "conditions" in kinds(alice)
    services.condition_meet(actor=alice, condition=conditional, evidence="Done")
    assert "conditions" not in kinds(alice)
    (item,) = kinds(privacy)["confirm"].items
    assert item.url.endswith(f"#condition-{conditional.pk}")
    assert "confirm" not in kinds(reviewer_for(conditional.review, "legal"))


def test_an_export_lists_a_condition_awaiting_confirmation_as_open(
    make_use_case, council, alice, owner, auditor
):
    review = make_use_case("submitted").reviews.get()
    approve_review(review, alice, conditions=[{"text": "Monthly report", "blocking": False}])
    condition = Condition.objects.get(review=review)
    entry = go_live(condition, alice, owner)
    services.condition_meet(actor=alice, condition=condition, evidence="First report sent")

    def open_conditions():
        (row,) = [
            row
            for row in registry_rows(user=auditor, filters=RegistryFilters())
            if row["reference"] == entry.reference
        ]
        return row["open_conditions"]

    assert "Monthly report" in str(open_conditions())
    services.condition_confirm(
        actor=privacy_of(condition), condition=condition, verdict="confirmed"
    )
    assert "Monthly report" not in str(open_conditions())


# ---- the review page -------------------------------------------------------------------------


def test_the_page_cycle_with_a_file(login, conditional, alice, outsider):
    privacy = privacy_of(conditional)
    page = login(alice).get(page_of(conditional)).content.decode()
    assert "Mark the condition met" in page and "Confirm or send back" not in page

    response = post_meet(login(alice), conditional, evidence="", file=upload())
    assert response.status_code == 302
    claimed = fresh(conditional)
    assert (claimed.status, claimed.evidence_file_name) == ("claimed", "notice.pdf")
    file_url = reverse("reviews:condition_file", args=[claimed.review_id, claimed.pk])
    page = login(alice).get(page_of(conditional)).content.decode()
    assert "Met, awaiting confirmation" in page and file_url in page
    assert "Confirm or send back" not in page

    download = login(privacy).get(file_url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert login(outsider).get(file_url).status_code == 404

    page = login(privacy).get(page_of(conditional)).content.decode()
    assert "Confirm or send back" in page
    response = post_confirm(login(privacy), conditional, verdict="sent_back", comment="")
    assert response.status_code == 400
    assert "Say what is missing" in response.content.decode()
    response = post_confirm(
        login(privacy), conditional, verdict="sent_back", comment="The PDF is the old notice"
    )
    assert response.status_code == 302
    page = login(alice).get(page_of(conditional)).content.decode()
    assert "Sent back" in page and "The PDF is the old notice" in page

    post_meet(login(alice), conditional, evidence="The new notice, attached")
    assert post_confirm(login(privacy), conditional, verdict="confirmed").status_code == 302
    assert fresh(conditional).status == "met"
    assert "Confirmed met" in login(alice).get(page_of(conditional)).content.decode()


def test_the_page_refuses_a_confirmation_from_the_team_or_another_role(login, conditional, alice):
    services.condition_meet(actor=alice, condition=conditional, evidence="Done")
    legal = reviewer_for(conditional.review, "legal")
    assert post_confirm(login(alice), conditional, verdict="confirmed").status_code == 403
    assert post_confirm(login(legal), conditional, verdict="confirmed").status_code == 403
    assert "Confirm or send back" not in login(legal).get(page_of(conditional)).content.decode()
    assert fresh(conditional).status == "claimed"


def test_the_page_refuses_a_forbidden_file_type(login, conditional, alice):
    script = upload("notice.exe", b"MZ\x90\x00", "application/octet-stream")
    response = post_meet(login(alice), conditional, evidence="Here", file=script)
    assert response.status_code == 400
    assert "are not accepted" in response.content.decode()
    assert fresh(conditional).status == "open"


# ---- the API ---------------------------------------------------------------------------------


def test_the_api_cycle_with_a_file(api, conditional, alice):
    privacy = privacy_of(conditional)
    url = f"{CONDITIONS}{conditional.pk}/"
    response = api(alice).post(f"{url}meet/", {"file": upload()}, format="multipart")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["confirming_role"], body["claimed_by_username"]) == (
        "claimed",
        "privacy",
        alice.username,
    )
    assert body["evidence_file"]["name"] == "notice.pdf"
    assert body["evidence_file"]["url"].endswith(
        reverse("reviews:condition_file", args=[conditional.review_id, conditional.pk])
    )

    confirm = f"{url}confirm/"
    response = api(privacy).post(confirm, {"verdict": "sent_back"}, format="json")
    assert response.status_code == 400 and "comment" in response.json()
    response = api(privacy).post(confirm, {"verdict": "maybe"}, format="json")
    assert response.status_code == 400 and "verdict" in response.json()
    response = api(privacy).post(
        confirm, {"verdict": "sent_back", "comment": "Old notice"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["sent_back_comment"]) == (
        "open",
        "Old notice",
    )
    assert api(alice).post(f"{url}meet/", {"evidence": "New one"}, format="json").status_code == 200
    response = api(privacy).post(confirm, {"verdict": "confirmed"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["closed_by_username"]) == (
        "met",
        privacy.username,
    )
    again = api(privacy).post(confirm, {"verdict": "confirmed"}, format="json")
    assert again.status_code == 409


def test_the_api_refuses_the_team_another_role_and_an_auditor(api, conditional, alice, auditor):
    services.condition_meet(actor=alice, condition=conditional, evidence="Done")
    confirm = f"{CONDITIONS}{conditional.pk}/confirm/"
    legal = reviewer_for(conditional.review, "legal")
    for user in (alice, legal, auditor):
        response = api(user).post(confirm, {"verdict": "confirmed"}, format="json")
        assert response.status_code == 403, user
    assert fresh(conditional).status == "claimed"


def test_the_api_refuses_an_empty_an_oversized_or_a_forbidden_file(
    api, conditional, alice, settings
):
    meet = f"{CONDITIONS}{conditional.pk}/meet/"
    response = api(alice).post(meet, {"evidence": " "}, format="json")
    assert response.status_code == 400 and "evidence" in response.json()
    script = upload("notice.exe", b"MZ\x90\x00", "application/octet-stream")
    response = api(alice).post(meet, {"file": script}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    settings.ATTACHMENT_MAX_BYTES = 10
    response = api(alice).post(meet, {"file": upload()}, format="multipart")
    assert response.status_code == 400
    assert "limit" in response.json()["file"][0]
    assert fresh(conditional).status == "open" and not fresh(conditional).evidence_file
