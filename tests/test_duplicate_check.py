"""The duplicate check at intake: a draft that looks like an existing use case shows it, and the
team links to it or says it is different (issue 13, point 6)."""

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

import workflows
from audit.models import AuditEvent
from common.errors import ActionForbidden
from usecases import services
from usecases.models import UseCaseLink
from usecases.selectors import (
    SAME_TOOL,
    SIMILAR_TITLE,
    similar_use_cases,
    title_similarity,
    title_words,
)

from .factories import complete_answers

UNRELATED = {"vendor": "Other Vendor", "tool_name": "Other Tool"}


@pytest.fixture
def existing(make_use_case):
    """Marketing's submitted "Next-best-offer e-mails" on Acme NBO by Acme Personalise."""
    return make_use_case("submitted")


@pytest.fixture
def make_contact_centre_use_case(charlie, contact_centre, owner):
    """A use case of charlie's team (Contact Centre), which alice's team may not open."""

    def make(state="submitted", **overrides):
        data = complete_answers(team=contact_centre, business_owner=owner, **overrides)
        use_case = services.usecase_create(actor=charlie, data=data)
        if state == "submitted":
            use_case = workflows.usecase_submit(actor=charlie, use_case=use_case)
        return use_case

    return make


def shown(use_case, user):
    return [
        (match.use_case, match.reasons) for match in similar_use_cases(use_case, user=user).shown
    ]


def html(response) -> str:
    return response.content.decode()


# --- What matches ------------------------------------------------------------------------------


def test_titles_are_compared_by_their_meaningful_words():
    assert title_words("The Next-Best-Offer e-mails, for AI!") == {"next", "best", "offer", "mails"}
    assert (
        title_similarity(title_words("Email copy generator"), title_words("Copy generator"))
        == 2 / 3
    )
    assert title_similarity(frozenset(), frozenset()) == 0


def test_a_draft_on_the_same_tool_and_vendor_shows_the_existing_use_case(
    make_use_case, existing, bob
):
    draft = make_use_case(
        actor=bob, title="Loyalty rewards", tool_name="  acme  NBO ", vendor="ACME personalise"
    )

    assert shown(draft, bob) == [(existing, (SAME_TOOL,))]


def test_a_draft_with_a_similar_title_shows_the_existing_use_case(make_use_case, existing, bob):
    draft = make_use_case(actor=bob, title="E-mails with the next best offer", **UNRELATED)

    assert shown(draft, bob) == [(existing, (SIMILAR_TITLE,))]


def test_both_reasons_are_given_and_such_a_match_comes_first(make_use_case, existing, bob):
    same_tool_only = make_use_case("submitted", title="Loyalty rewards")
    draft = make_use_case(actor=bob)

    assert shown(draft, bob) == [
        (existing, (SAME_TOOL, SIMILAR_TITLE)),
        (same_tool_only, (SAME_TOOL,)),
    ]


@pytest.mark.parametrize(
    "answers",
    [
        {"title": "Send-time optimiser", **UNRELATED},
        # The same tool of another vendor is another product.
        {"title": "Send-time optimiser", "tool_name": "Acme NBO", "vendor": "Other Vendor"},
        # One shared word in five is not a similar title.
        {"title": "Offer pricing for call centre agents", **UNRELATED},
    ],
)
def test_an_unrelated_draft_shows_nothing(make_use_case, existing, bob, answers):
    draft = make_use_case(actor=bob, **answers)

    assert not similar_use_cases(draft, user=bob)


def test_withdrawn_use_cases_and_the_draft_itself_are_not_matches(make_use_case, bob):
    make_use_case("withdrawn")
    draft = make_use_case(actor=bob)

    assert not similar_use_cases(draft, user=bob)


def test_the_team_sees_its_own_drafts_as_matches(make_use_case, alice, bob):
    first = make_use_case(actor=alice)
    second = make_use_case(actor=bob)

    assert shown(second, bob) == [(first, (SAME_TOOL, SIMILAR_TITLE))]


# --- What the user may not see ---------------------------------------------------------------


def test_another_teams_confidential_use_case_never_shows_not_even_its_team(
    login, make_use_case, make_contact_centre_use_case, alice
):
    make_contact_centre_use_case(title="Secret launch offers", confidential=True)
    draft = make_use_case(title="Next-best-offer launch offers")

    found = similar_use_cases(draft, user=alice)
    page = html(login(alice).get(f"/use-cases/{draft.pk}/"))

    assert not found
    assert "Secret launch offers" not in page
    assert "Contact Centre" not in page
    assert "duplicate-check" not in page


def test_another_teams_draft_is_not_even_hinted(make_use_case, make_contact_centre_use_case, alice):
    make_contact_centre_use_case("draft")
    draft = make_use_case()

    assert not similar_use_cases(draft, user=alice)


def test_a_match_the_team_may_not_open_names_only_its_team(
    login, make_use_case, make_contact_centre_use_case, alice
):
    hidden = make_contact_centre_use_case(title="Chat offers")
    draft = make_use_case()

    found = similar_use_cases(draft, user=alice)
    page = html(login(alice).get(f"/use-cases/{draft.pk}/"))

    assert found.shown == () and found.teams_elsewhere == ("Contact Centre",)
    assert "A use case of Contact Centre may match: ask the council." in page
    assert "Chat offers" not in page and hidden.reference not in page


def test_the_other_way_round_marketings_match_is_named_by_its_team_only(
    make_use_case, make_contact_centre_use_case, charlie
):
    existing = make_use_case("submitted")
    theirs = make_contact_centre_use_case("draft", title="Chat offers")

    found = similar_use_cases(theirs, user=charlie)

    assert found.shown == () and found.teams_elsewhere == ("Marketing",)
    assert found.pks == (existing.pk,)


# --- The page: the notice, linking, "it is a different use case" ----------------------------------


def test_the_draft_page_and_its_form_show_the_match_with_its_team_state_and_why(
    login, make_use_case, existing, bob
):
    draft = make_use_case(actor=bob, title="Loyalty rewards")
    client = login(bob)

    for url in (f"/use-cases/{draft.pk}/", f"/use-cases/{draft.pk}/edit/"):
        page = html(client.get(url))
        assert "This looks like a use case that already exists" in page
        assert f'href="/use-cases/{existing.pk}/"' in page
        assert existing.reference in page and "Marketing" in page
        assert existing.get_state_display() in page
        assert "Same tool and vendor" in page
        assert "Link to it instead" in page and "It is a different use case" in page


def test_a_submitted_use_case_page_shows_no_notice(login, make_use_case, existing, alice):
    make_use_case("draft")

    assert "duplicate-check" not in html(login(alice).get(f"/use-cases/{existing.pk}/"))


def test_linking_is_audited_and_shown_on_both_pages(login, make_use_case, existing, bob, alice):
    draft = make_use_case(actor=bob, title="Loyalty rewards")
    client = login(bob)

    response = client.post(
        f"/use-cases/{draft.pk}/link/", {"other": existing.pk, "kind": "duplicates"}
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="link_recorded")
    assert event.object_ref == draft.reference and event.actor == bob
    assert event.changes == {"link": [None, {"kind": "duplicates", "other": existing.reference}]}
    draft_page = html(client.get(f"/use-cases/{draft.pk}/"))
    assert f'This use case duplicates <a href="/use-cases/{existing.pk}/">' in draft_page
    assert "duplicate-check" not in draft_page  # the notice is answered
    existing_page = html(login(alice).get(f"/use-cases/{existing.pk}/"))
    assert f"{draft.reference} Loyalty rewards</a> duplicates this use case" in existing_page


def test_a_use_case_extends_another(login, make_use_case, existing, bob):
    draft = make_use_case(actor=bob, title="Loyalty rewards")

    login(bob).post(f"/use-cases/{draft.pk}/link/", {"other": existing.pk, "kind": "extends"})

    assert UseCaseLink.objects.get(use_case=draft).kind == "extends"


@pytest.mark.parametrize(
    "posted",
    [
        {"other": "abc", "kind": "duplicates"},
        {"other": "", "kind": "duplicates"},
        {"other": "999999", "kind": "duplicates"},
        {"other": "²", "kind": "duplicates"},
        {"other": "9" * 30, "kind": "duplicates"},
        {"kind": "different"},
    ],
)
def test_bad_link_input_is_a_400_with_a_message(login, make_use_case, existing, bob, posted):
    draft = make_use_case(actor=bob, title="Loyalty rewards")
    posted = {"other": existing.pk, **posted}

    response = login(bob).post(f"/use-cases/{draft.pk}/link/", posted)

    assert response.status_code == 400
    assert 'class="errorlist"' in html(response)
    assert not UseCaseLink.objects.exists()
    assert not AuditEvent.objects.filter(action="link_recorded").exists()


def test_a_use_case_cannot_be_linked_to_itself(login, make_use_case, bob):
    draft = make_use_case(actor=bob)

    response = login(bob).post(f"/use-cases/{draft.pk}/link/", {"other": draft.pk})

    assert response.status_code == 400
    assert not UseCaseLink.objects.exists()


def test_a_use_case_the_team_may_not_see_cannot_be_linked(
    login, make_use_case, make_contact_centre_use_case, bob
):
    confidential = make_contact_centre_use_case(title="Secret launch offers", confidential=True)
    draft = make_use_case(actor=bob)

    response = login(bob).post(f"/use-cases/{draft.pk}/link/", {"other": confidential.pk})

    assert response.status_code == 400
    assert "Choose one of the use cases shown as similar." in html(response)
    assert confidential.title not in html(response)
    assert not UseCaseLink.objects.exists()


def test_another_teams_member_cannot_link_or_dismiss_a_draft(
    login, make_use_case, existing, charlie, alice
):
    draft = make_use_case(actor=alice, title="Loyalty rewards")
    client = login(charlie)

    assert client.post(f"/use-cases/{draft.pk}/link/", {"other": existing.pk}).status_code == 404
    assert client.post(f"/use-cases/{draft.pk}/not-a-duplicate/").status_code == 404
    with pytest.raises(ActionForbidden):
        services.usecase_link(
            actor=charlie, use_case=draft, other_pk=existing.pk, kind="duplicates"
        )
    with pytest.raises(ActionForbidden):
        services.usecase_duplicates_dismiss(actor=charlie, use_case=draft)
    assert not UseCaseLink.objects.exists()


def test_someone_who_sees_a_use_case_but_may_not_edit_it_gets_403(
    login, make_use_case, council_member, auditor, alice
):
    older = make_use_case("submitted", title="Loyalty rewards")
    submitted = make_use_case("submitted")

    for user in (council_member, auditor, alice):
        client = login(user)
        url = f"/use-cases/{submitted.pk}/"
        assert client.post(f"{url}link/", {"other": older.pk}).status_code == 403
        assert client.post(f"{url}not-a-duplicate/").status_code == 403
    assert not UseCaseLink.objects.exists()


def test_it_is_a_different_use_case_hides_the_matches_and_is_audited_and_shown(
    login, make_use_case, make_contact_centre_use_case, existing, bob
):
    hidden = make_contact_centre_use_case(title="Chat offers")
    draft = make_use_case(actor=bob, title="Loyalty rewards")
    client = login(bob)

    response = client.post(f"/use-cases/{draft.pk}/not-a-duplicate/")

    assert response.status_code == 302
    assert not similar_use_cases(draft, user=bob)
    event = AuditEvent.objects.get(action="duplicates_checked")
    assert event.object_ref == draft.reference and event.actor == bob
    assert sorted(event.changes["different_from"][1]) == sorted(
        [existing.reference, hidden.reference]
    )
    page = html(client.get(f"/use-cases/{draft.pk}/"))
    assert "duplicate-check" not in page
    assert "recorded that it is a different use case" in page
    assert hidden.reference not in page  # the audit trail names it, the page never does


def test_a_new_match_after_the_check_shows_again(login, make_use_case, existing, bob):
    draft = make_use_case(actor=bob, title="Loyalty rewards")
    services.usecase_duplicates_dismiss(actor=bob, use_case=draft)

    newer = make_use_case("submitted", title="Holiday offers")

    assert shown(draft, bob) == [(newer, (SAME_TOOL,))]


# --- The API ------------------------------------------------------------------------------------


def test_the_api_lists_the_matches_for_the_team(
    api, make_use_case, make_contact_centre_use_case, existing, bob
):
    make_contact_centre_use_case(title="Secret launch offers", confidential=True)
    make_contact_centre_use_case(title="Chat offers")
    draft = make_use_case(actor=bob, title="Loyalty rewards")

    response = api(bob).get(f"/api/v1/use-cases/{draft.pk}/similar/")

    assert response.status_code == 200
    assert response.json() == {
        "matches": [
            {
                "id": existing.pk,
                "reference": existing.reference,
                "title": existing.title,
                "team": existing.team_id,
                "team_name": "Marketing",
                "state": existing.state,
                "reasons": [SAME_TOOL],
            }
        ],
        "teams_elsewhere": ["Contact Centre"],
    }
    assert "Secret" not in response.content.decode()


def test_the_api_refuses_who_may_not_edit(api, make_use_case, charlie, council_member, auditor):
    draft = make_use_case()
    submitted = make_use_case("submitted")

    assert api(charlie).get(f"/api/v1/use-cases/{draft.pk}/similar/").status_code == 404
    for user in (council_member, auditor):
        assert api(user).get(f"/api/v1/use-cases/{submitted.pk}/similar/").status_code == 403


# --- Bounded reads ---------------------------------------------------------------------------------


def test_the_check_runs_the_same_queries_for_2_and_8_candidates(login, make_use_case, bob):
    draft = make_use_case(actor=bob, title="Loyalty rewards")
    client = login(bob)

    def queries_for(count):
        while len(similar_use_cases(draft, user=bob).pks) < count:
            make_use_case("submitted")
        reset_queries()  # a full query log would make the captured slice wrong
        with CaptureQueriesContext(connection) as selector:
            assert len(similar_use_cases(draft, user=bob).pks) == count
        client.get(f"/use-cases/{draft.pk}/")  # warm caches that live for the process
        reset_queries()
        with CaptureQueriesContext(connection) as page:
            assert client.get(f"/use-cases/{draft.pk}/").status_code == 200
        return len(selector.captured_queries), len(page.captured_queries)

    assert queries_for(2) == queries_for(8)


def test_saying_different_with_nothing_shown_records_nothing(make_use_case, bob):
    draft = make_use_case(actor=bob)

    assert services.usecase_duplicates_dismiss(actor=bob, use_case=draft) == 0
    assert not AuditEvent.objects.filter(action="duplicates_checked").exists()
