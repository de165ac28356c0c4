"""The public transparency pages (SPEC section 9, issue 12 point 8): the organisation's own
layout, one stable page per tool, only the wording the council approved, an honest word when a
review is overdue, and a complaint form that needs no login, is rate-limited and guarded against
robots, puts a case on the entry for its owners and the chair, and opens a re-review when enough
complaints come in."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

import workflows
from council.models import Notification
from registry import services
from registry.models import Complaint, Deployment
from reviews.models import Review, ReviewPolicy

from .registry_support import entry_data, entry_events
from .reviews_support import approve_review

LIST = "/transparency/"
PUBLIC_NAME = "Offers chosen for you"
PUBLIC_TEXT = "Chooses which of our offers you see first in our weekly e-mail."
MESSAGE = "The tool refused me a discount my neighbour got. I contest it."


def tool_url(entry) -> str:
    return f"/transparency/{entry.reference}/"


def complain_url(entry) -> str:
    return f"/transparency/{entry.reference}/complain/"


@pytest.fixture(autouse=True)
def _empty_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _write_wording(entry, alice, **wording):
    wording = {"public_name": PUBLIC_NAME, "public_description": PUBLIC_TEXT, **wording}
    return workflows.deployment_update(actor=alice, deployment=entry, data=wording)


@pytest.fixture
def chris(council):
    return council["chair"]


@pytest.fixture
def published(entry, alice, chris):
    """The entry, published, with public wording the chair approved."""
    workflows.deployment_update(actor=alice, deployment=entry, data={"published": True})
    _write_wording(entry, alice)
    return services.public_wording_approve(actor=chris, deployment=entry)


def _html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _complain(client, entry, address="203.0.113.7", **data):
    form = {"kind": "contest", "message": MESSAGE, "contact": "", "website": "", **data}
    return client.post(complain_url(entry), form, REMOTE_ADDR=address)


# ---- the layout and the organisation -----------------------------------------------------------


def test_the_public_layout_names_the_organisation_not_the_staff_application(
    client, published, settings
):
    settings.ORGANISATION_NAME = "Zephyr Mobile"
    settings.ORGANISATION_PRIVACY_URL = "https://zephyr.example/privacy"
    settings.ORGANISATION_CONTACT = "ai@zephyr.example"
    for url in (LIST, tool_url(published)):
        html = _html(client, url)
        assert "Zephyr Mobile" in html
        assert 'href="https://zephyr.example/privacy"' in html
        assert 'href="mailto:ai@zephyr.example"' in html
        assert "AI Council" not in html
        assert "/accounts/login/" not in html
        assert 'href="/"' not in html


# ---- what the pages show, and what they never show ---------------------------------------------


def test_the_list_links_each_tool_to_its_stable_page_with_the_approved_wording(client, published):
    html = _html(client, LIST)
    assert f'href="{tool_url(published)}"' in html
    assert PUBLIC_NAME in html
    assert PUBLIC_TEXT in html


def test_a_tool_page_tells_the_plain_facts(client, published):
    html = _html(client, tool_url(published))
    assert PUBLIC_NAME in html and PUBLIC_TEXT in html
    assert "E-mail" in html  # where customers meet it
    assert "United Kingdom" in html
    assert "E-mail footer." in html  # how they are told
    assert f"{published.last_review_date:%-d %B %Y}" in html
    assert published.reference in html
    assert "Contest a decision or complain" in html


def test_internal_names_summaries_and_people_never_reach_the_pages(
    client, published, alice, owner, chris, marketing
):
    use_case = published.use_case
    for url in (LIST, tool_url(published)):
        html = _html(client, url)
        for secret in (
            published.name, published.vendor, published.model_version, use_case.summary,
            use_case.title, use_case.reference, published.human_oversight,
            published.monitoring_kpis, alice.username, owner.username, chris.username,
            marketing.name,
        ):  # fmt: skip
            assert secret not in html, secret


def test_wording_waiting_for_approval_never_shows(client, published, alice):
    _write_wording(published, alice, public_description="Unapproved zqx wording.")
    html = _html(client, tool_url(published))
    assert "Unapproved zqx wording." not in html
    assert PUBLIC_TEXT in html  # the approved wording stays until the new one is approved


def test_a_published_entry_without_approved_wording_stays_off_the_pages(client, entry, alice):
    workflows.deployment_update(actor=alice, deployment=entry, data={"published": True})
    _write_wording(entry, alice)
    assert PUBLIC_NAME not in _html(client, LIST)
    assert client.get(tool_url(entry)).status_code == 404


@pytest.mark.parametrize("reference", ["AI-9999", "not a reference", "%00"])
def test_an_unknown_tool_page_is_404(client, published, reference):
    assert client.get(f"/transparency/{reference}/").status_code == 404


def test_an_unpublished_tool_page_is_404(client, published, alice):
    workflows.deployment_update(actor=alice, deployment=published, data={"published": False})
    assert client.get(tool_url(published)).status_code == 404
    assert client.post(complain_url(published), {"message": "x"}).status_code == 404


def test_a_suspended_tool_page_is_404(client, published, alice):
    workflows.deployment_change_stage(actor=alice, deployment=published, stage="suspended")
    assert client.get(tool_url(published)).status_code == 404


def test_an_overdue_tool_is_not_claimed_as_checked_regularly(client, published):
    Deployment.objects.filter(pk=published.pk).update(
        next_review_due=timezone.localdate() - timedelta(days=10)
    )
    for url in (LIST, tool_url(published)):
        html = _html(client, url)
        assert "checked again regularly" not in html
        assert "review by our AI council is overdue" in html


def test_a_tool_on_time_says_nothing_of_an_overdue_review(client, published):
    assert "overdue" not in _html(client, tool_url(published))


def test_without_a_team_escalation_the_organisation_contact_is_given(
    client, make_use_case, council, alice, owner, settings
):
    settings.ORGANISATION_CONTACT = "ai@zephyr.example"
    use_case = approve_review(make_use_case("submitted", human_escalation="").reviews.get(), alice)
    entry = workflows.deployment_create(
        actor=alice, use_case=use_case, data=entry_data(owner, alice, published=True)
    )
    _write_wording(entry, alice)
    services.public_wording_approve(actor=council["chair"], deployment=entry)
    html = _html(client, tool_url(entry))
    assert "Ask any of our staff" not in html
    assert 'Contact us at <a href="mailto:ai@zephyr.example">' in html


# ---- the council approves the wording -----------------------------------------------------------


def test_the_chair_approves_the_wording_on_the_entry_page_and_it_is_audited(
    login, entry, alice, chris
):
    _write_wording(entry, alice)
    assert Notification.objects.filter(user=chris, kind="public_wording_to_approve").exists()
    page = login(chris).get(f"/registry/{entry.pk}/").content.decode()
    assert "Approve the public wording" in page
    response = login(chris).post(f"/registry/{entry.pk}/public-wording/approve/")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.public_description_approved == PUBLIC_TEXT
    assert entry.public_wording_approved_by == chris
    assert not entry.public_wording_pending
    event = entry_events(entry, "public_wording_approved").get()
    assert event.changes["public_description_approved"] == ["", PUBLIC_TEXT]


@pytest.mark.parametrize("who", ["alice", "owner", "auditor", "outsider"])
def test_nobody_but_the_chair_approves_the_wording(request, login, entry, alice, who):
    _write_wording(entry, alice)
    user = request.getfixturevalue(who)
    response = login(user).post(f"/registry/{entry.pk}/public-wording/approve/")
    assert response.status_code in {403, 404}
    entry.refresh_from_db()
    assert entry.public_description_approved == ""


def test_nothing_to_approve_is_refused_with_a_reason(login, entry, chris):
    response = login(chris).post(f"/registry/{entry.pk}/public-wording/approve/", follow=True)
    assert "No new public wording is waiting for approval." in response.content.decode()


# ---- the complaint form ------------------------------------------------------------------------


def test_a_customer_complains_without_logging_in_and_the_case_is_on_the_entry(client, published):
    response = _complain(client, published, contact="me@example.org")
    assert response.status_code == 302
    complaint = Complaint.objects.get(deployment=published)
    assert (complaint.kind, complaint.message, complaint.contact, complaint.status) == (
        "contest",
        MESSAGE,
        "me@example.org",
        "open",
    )
    thanks = client.get(response["Location"]).content.decode()
    assert "we have received your message" in thanks
    event = entry_events(published, "complaint_received").get()
    assert event.actor is None
    assert event.changes["complaint"][1] == {"id": complaint.pk, "kind": "contest"}


def test_the_owners_and_the_chair_are_told_in_the_app(client, published, alice, owner, chris):
    _complain(client, published)
    told = set(
        Notification.objects.filter(kind="complaint_received").values_list("user", flat=True)
    )
    assert told == {alice.pk, owner.pk, chris.pk}


@pytest.mark.parametrize(
    "data",
    [
        {"message": ""},
        {"message": "   "},
        {"kind": "praise"},
        {"kind": ""},
        {"message": "x" * 5000},
        {"contact": "c" * 300},
        {"message": "nul \x00 byte"},
    ],
)
def test_bad_input_comes_back_with_a_message_never_a_500(client, published, data):
    response = _complain(client, published, **data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_robot_filling_the_trap_creates_nothing(client, published):
    response = _complain(client, published, website="http://spam.example")
    assert response.status_code == 302  # it is told nothing
    assert not Complaint.objects.exists()


def test_complaints_are_rate_limited_per_address(client, published, settings):
    settings.COMPLAINTS_PER_HOUR = 2
    assert _complain(client, published).status_code == 302
    assert _complain(client, published).status_code == 302
    refused = _complain(client, published)
    assert refused.status_code == 429
    assert "try again later" in refused.content.decode()
    assert MESSAGE in refused.content.decode()  # what was typed is kept
    assert Complaint.objects.count() == 2
    assert _complain(client, published, address="198.51.100.9").status_code == 302


def test_robots_count_against_the_limit_too(client, published, settings):
    settings.COMPLAINTS_PER_HOUR = 1
    _complain(client, published, website="spam")
    assert _complain(client, published).status_code == 429
    assert not Complaint.objects.exists()


def test_the_form_only_takes_posts(client, published):
    assert client.get(complain_url(published)).status_code == 405


# ---- who reads complaints ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "owner", "chris"])
def test_the_owners_the_team_and_the_chair_read_complaints_on_the_entry(
    request, client, login, published, who
):
    _complain(client, published, contact="me@example.org")
    page = login(request.getfixturevalue(who)).get(f"/registry/{published.pk}/")
    html = page.content.decode()
    assert "Complaints from customers" in html
    assert MESSAGE in html
    assert "me@example.org" in html


@pytest.mark.parametrize("who", ["auditor", "outsider"])
def test_others_do_not_read_complaints(request, client, login, published, who):
    _complain(client, published, contact="me@example.org")
    response = login(request.getfixturevalue(who)).get(f"/registry/{published.pk}/")
    html = response.content.decode()
    assert MESSAGE not in html
    assert "me@example.org" not in html


def test_an_owner_closes_a_handled_complaint_and_it_is_audited(client, login, published, owner):
    _complain(client, published)
    complaint = Complaint.objects.get()
    url = f"/registry/{published.pk}/complaints/{complaint.pk}/close/"
    assert "Close as handled" in login(owner).get(f"/registry/{published.pk}/").content.decode()
    assert login(owner).post(url).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert entry_events(published, "complaint_closed").get().actor == owner
    again = login(owner).post(url, follow=True).content.decode()
    assert "This complaint is already closed." in again


@pytest.mark.parametrize("who", ["auditor", "outsider"])
def test_others_cannot_close_a_complaint(request, client, login, published, who):
    _complain(client, published)
    complaint = Complaint.objects.get()
    url = f"/registry/{published.pk}/complaints/{complaint.pk}/close/"
    assert login(request.getfixturevalue(who)).post(url).status_code in {403, 404}
    complaint.refresh_from_db()
    assert complaint.status == "open"


# ---- the threshold opens a re-review -----------------------------------------------------------


def _threshold(entry, value):
    ReviewPolicy.objects.filter(tier=entry.risk_tier, active=True).update(
        complaints_rereview_threshold=value
    )


def test_complaints_reaching_the_policy_threshold_open_one_re_review(client, published):
    _threshold(published, 3)
    for n in range(2):
        _complain(client, published, address=f"203.0.113.{n}")
    assert not Review.objects.filter(use_case=published.use_case, kind="re_review").exists()
    _complain(client, published, address="203.0.113.50")
    rereview = Review.objects.get(use_case=published.use_case, kind="re_review")
    assert "3 public complaints" in rereview.reason
    requested = entry_events(published, "review_requested").get()
    assert requested.changes["review"][1] == rereview.pk
    for n in range(3):
        _complain(client, published, address=f"198.51.100.{n}")
    assert Review.objects.filter(use_case=published.use_case, kind="re_review").count() == 1
    assert entry_events(published, "review_requested").count() == 1


def test_complaints_older_than_the_period_do_not_count(client, published):
    _threshold(published, 2)
    _complain(client, published)
    Complaint.objects.update(received_at=timezone.now() - timedelta(days=120))
    Deployment.objects.filter(pk=published.pk).update(
        last_review_date=timezone.localdate() - timedelta(days=200)
    )
    _complain(client, published, address="198.51.100.1")
    assert not Review.objects.filter(use_case=published.use_case, kind="re_review").exists()


def test_the_threshold_is_part_of_the_review_policy(db):
    assert ReviewPolicy.objects.filter(active=True).exists()
    assert all(p.complaints_rereview_threshold > 0 for p in ReviewPolicy.objects.all())
