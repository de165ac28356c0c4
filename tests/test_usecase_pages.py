"""The HTML pages of use-case intake: list, form, detail, attachments and the dashboard."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from guardian.shortcuts import assign_perm

from usecases import services
from usecases.forms import SECTIONS, UseCaseForm
from usecases.models import UseCase
from usecases.serializers import YES_NO_FIELDS
from usecases.validation import submission_errors

from .factories import MembershipFactory, RoleFactory, UserFactory, complete_answers


def form_post(**answers):
    """Form data as a browser sends it: lists repeated, yes/no as True/False, booleans 'on'."""
    data = {}
    for name, value in answers.items():
        if hasattr(value, "pk"):
            data[name] = value.pk
        elif isinstance(value, bool) and name in YES_NO_FIELDS:
            data[name] = str(value)
        elif name == "markets":
            data[name] = ", ".join(value)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data


def pdf_upload(name="dpia.pdf", content=b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def html(response) -> str:
    return response.content.decode()


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/use-cases/", "/use-cases/new/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_logs_a_submitter_in(client, alice, password):
    response = client.post(reverse("login"), {"username": "alice", "password": password})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_logging_out_is_a_post_from_the_navigation(login, alice):
    client = login(alice)
    page = html(client.get("/"))
    assert f'<form method="post" action="{reverse("logout")}">' in page
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


def test_charlie_gets_404_for_alices_draft_its_edit_page_and_its_files(
    login, make_use_case, alice, charlie
):
    use_case = make_use_case()
    attachment = services.attachment_add(actor=alice, use_case=use_case, upload=pdf_upload())
    client = login(charlie)
    for url in (
        reverse("usecases:detail", args=[use_case.pk]),
        reverse("usecases:edit", args=[use_case.pk]),
        reverse("usecases:attachment_download", args=[use_case.pk, attachment.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("usecases:submit", args=[use_case.pk])).status_code == 404


def test_alice_gets_403_on_the_edit_page_of_a_submitted_use_case(login, make_use_case, alice):
    use_case = make_use_case("submitted")
    client = login(alice)
    response = client.get(reverse("usecases:edit", args=[use_case.pk]))
    assert response.status_code == 403
    assert "cannot be edited: only drafts and use cases sent back for changes can" in html(response)
    response = client.post(reverse("usecases:edit", args=[use_case.pk]), {"title": "Changed"})
    assert response.status_code == 403
    assert UseCase.objects.get(pk=use_case.pk).title == "Next-best-offer e-mails"


def test_a_council_member_gets_403_when_editing_a_submitted_use_case_she_can_see(
    login, make_use_case, council_member
):
    use_case = make_use_case("submitted")
    client = login(council_member)
    assert client.get(reverse("usecases:detail", args=[use_case.pk])).status_code == 200
    assert client.get(reverse("usecases:edit", args=[use_case.pk])).status_code == 403
    assert (
        client.post(reverse("usecases:withdraw", args=[use_case.pk]), {"reason": "No"}).status_code
        == 403
    )
    assert UseCase.objects.get(pk=use_case.pk).state == "in_review"


def test_someone_in_no_team_is_told_they_cannot_propose_a_use_case(login, outsider):
    response = login(outsider).get(reverse("usecases:new"))
    assert response.status_code == 403
    assert "not a member of any team" in html(response)


# --- The form -----------------------------------------------------------------------------


def test_the_form_offers_only_answers_of_a_use_case_in_the_sections_of_the_spec():
    fields = [name for section in SECTIONS for name in section.fields]
    assert fields == list(services.ANSWER_FIELDS)
    assert set(UseCaseForm.base_fields) <= set(services.ANSWER_FIELDS)


def test_the_new_form_has_sections_a_table_of_contents_and_preselects_the_only_team(
    login, alice, marketing
):
    response = login(alice).get(reverse("usecases:new"))
    page = html(response)
    assert response.status_code == 200
    for section in SECTIONS:
        assert f'href="#{section.slug}"' in page
        assert f'id="{section.slug}"' in page
    assert re.search(rf'<option value="{marketing.pk}" selected>Marketing</option>', page)
    assert 'type="checkbox" name="channels" value="email"' in page
    assert 'type="radio" name="customer_facing" value="True"' in page
    assert "<legend" in page and "Art. 5(1)(f)" in page


def test_the_team_list_holds_only_the_users_active_teams(login, alice, marketing, contact_centre):
    page = html(login(alice).get(reverse("usecases:new")))
    assert "Marketing</option>" in page
    assert "Contact Centre</option>" not in page


def test_saving_a_draft_keeps_any_subset_of_answers(login, alice, marketing):
    client = login(alice)
    data = form_post(team=marketing, title="Churn alerts", channels=["email", "web"], action="save")
    response = client.post(reverse("usecases:new"), data)
    use_case = UseCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("usecases:edit", args=[use_case.pk])
    assert (use_case.state, use_case.title, use_case.channels) == (
        "draft",
        "Churn alerts",
        ["email", "web"],
    )
    assert use_case.customer_facing is None
    page = html(client.get(response["Location"]))
    assert "Draft saved" in page
    assert 'value="Churn alerts"' in page


def test_a_new_draft_needs_a_title_and_keeps_what_was_typed(login, alice, marketing):
    client = login(alice)
    data = form_post(team=marketing, title="", channels=["email"], action="save")

    response = client.post(reverse("usecases:new"), data)

    assert response.status_code == 400
    assert not UseCase.objects.exists()
    page = html(response)
    assert "Give the draft a title to save it." in page
    assert re.search(r'name="channels" value="email"[^>]*checked', page)  # nothing typed lost


def test_editing_a_draft_changes_its_answers(login, make_use_case, alice, marketing, owner):
    use_case = make_use_case()
    data = form_post(
        **complete_answers(team=marketing, business_owner=owner, title="Better offers"),
        action="save",
        version=use_case.version,
    )
    response = login(alice).post(reverse("usecases:edit", args=[use_case.pk]), data)
    assert response.status_code == 302
    use_case.refresh_from_db()
    assert use_case.title == "Better offers"
    assert use_case.customer_facing is True and use_case.significant_decisions is False


def test_the_business_owner_edits_without_being_in_the_team(login, make_use_case, owner, marketing):
    use_case = make_use_case()
    client = login(owner)
    assert f'<option value="{marketing.pk}" selected>Marketing</option>' in html(
        client.get(reverse("usecases:edit", args=[use_case.pk]))
    )
    answers = complete_answers(team=marketing, business_owner=owner, title="Owner's wording")
    response = client.post(
        reverse("usecases:edit", args=[use_case.pk]),
        form_post(**answers, action="submit", version=use_case.version),
    )
    assert response.status_code == 302
    use_case.refresh_from_db()
    assert (use_case.title, use_case.state) == ("Owner's wording", "in_review")


def test_submitting_with_missing_answers_shows_every_error_next_to_its_field_and_keeps_the_answers(
    login, alice, marketing
):
    client = login(alice)
    data = form_post(team=marketing, title="Chatbot for returns", channels=["chat"], capabilities=["chatbot"],
                     customer_facing=True, action="submit")  # fmt: skip
    response = client.post(reverse("usecases:new"), data)
    page = html(response)
    assert response.status_code == 400

    use_case = UseCase.objects.get()  # the draft was saved before submitting
    assert (use_case.state, use_case.title, use_case.channels) == (
        "draft",
        "Chatbot for returns",
        ["chat"],
    )
    expected = submission_errors(services.answers_of(use_case))
    assert {
        "summary",
        "business_owner",
        "functions",
        "human_escalation",
        "customer_disclosure",
    } <= set(expected)
    for name, messages in expected.items():
        error_list = re.search(
            rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', page, re.S
        )
        assert error_list, f"no error next to {name}"
        for message in messages:
            assert escape(message) in error_list.group(1)
        assert re.search(rf'href="#id_{name}(_0)?"', page), f"{name} missing from the summary"
    assert page.count('<ul class="errorlist"') == len(expected)
    assert f"There are {len(expected)} problems" in page

    # What was typed is still there, and the next try updates the same draft.
    assert 'value="Chatbot for returns"' in page
    assert re.search(r'value="chat"[^>]*checked', page)
    assert re.search(r'name="customer_facing" value="True"[^>]*checked', page)
    assert f'action="{reverse("usecases:edit", args=[use_case.pk])}"' in page
    assert 'aria-describedby="id_summary_helptext id_summary_error"' in page


def test_submitting_a_complete_form_shows_the_risk_tier_and_its_reasons(
    login, alice, marketing, owner
):
    client = login(alice)
    answers = complete_answers(team=marketing, business_owner=owner, people_affected="over_100k")
    data = form_post(**answers, action="submit")
    response = client.post(reverse("usecases:new"), data, follow=True)
    page = html(response)
    use_case = UseCase.objects.get()
    assert use_case.state == "in_review" and use_case.revision == 1
    assert response.redirect_chain[-1][0] == reverse("usecases:detail", args=[use_case.pk])
    assert "Submitted as revision 1" in page
    assert "Minimal risk" in page  # the EU AI Act class
    assert "Limited review tier" in page  # the internal tier, raised by policy
    for reason in use_case.ai_act_reasons + use_case.risk_reasons:
        assert escape(reason) in page
    assert "Required" in page  # DPIA: profiling at large scale (two WP248 criteria)
    assert escape(use_case.dpia_reasons[0]) in page
    assert "What the law asks of us" in page
    assert "GDPR Art. 21(2) and (3)" in page and "applies now" in page


def test_a_ticked_prohibited_practice_is_refused_at_that_checkbox_saying_why(
    login, alice, marketing, owner
):
    answers = complete_answers(
        team=marketing, business_owner=owner, workplace_emotion_recognition=True
    )
    response = login(alice).post(reverse("usecases:new"), form_post(**answers, action="submit"))
    page = html(response)
    assert response.status_code == 400
    error_list = re.search(
        r'<ul class="errorlist" id="id_workplace_emotion_recognition_error">(.*?)</ul>', page, re.S
    )
    assert "prohibited" in error_list.group(1) and "Art. 5(1)(f)" in error_list.group(1)
    assert 'href="#id_workplace_emotion_recognition"' in page
    assert UseCase.objects.get().state == "draft"


def test_an_art_6_3_conclusion_is_asked_in_the_form_and_refused_next_to_it_when_it_cannot_stand(
    login, alice, marketing, owner
):
    answers = complete_answers(
        team=marketing,
        business_owner=owner,
        operator_role="provider",
        sensitive_purposes=["recruitment"],
        art_6_3_conditions=["narrow_procedural_task"],
        art_6_3_grounds="It sorts applications by language.",
    )  # it personalises: it profiles people
    client = login(alice)
    form = html(client.get(reverse("usecases:new")))
    assert "Does its provider conclude that it is not high-risk (EU AI Act Art. 6(3))?" in form
    assert 'value="narrow_procedural_task"' in form and 'name="art_6_3_grounds"' in form
    response = client.post(reverse("usecases:new"), form_post(**answers, action="submit"))
    page = html(response)
    assert response.status_code == 400
    error_list = re.search(
        r'<ul class="errorlist" id="id_art_6_3_conditions_error">(.*?)</ul>', page, re.S
    )
    assert "It profiles people" in error_list.group(1)
    use_case = UseCase.objects.get()
    assert use_case.state == "draft" and use_case.ai_act_class == "high_risk"
    assert use_case.art_6_3_conditions == ["narrow_procedural_task"]  # kept as typed

    answers["capabilities"] = ["generative_content"]
    edit = reverse("usecases:edit", args=[use_case.pk])
    data = form_post(**answers, action="submit", version=use_case.version)
    response = client.post(edit, data, follow=True)
    use_case.refresh_from_db()
    assert use_case.state == "in_review" and use_case.ai_act_class == "transparency"
    page = html(response)
    assert "Not high risk (law: EU AI Act Art. 6(3), second subparagraph, point (a))" in page
    assert "(a) It performs a narrow procedural task" in page  # the answer, in words


def test_a_form_without_a_team_still_lists_every_missing_answer(
    login, bob, marketing, contact_centre
):
    MembershipFactory(user=bob, team=contact_centre)  # two teams: nothing preselected
    response = login(bob).post(
        reverse("usecases:new"), {"title": "Lead scoring", "action": "submit"}
    )
    page = html(response)
    assert response.status_code == 400
    assert "Choose the team that owns this use case." in page
    assert 'id="id_summary_error"' in page
    assert not UseCase.objects.exists()


def test_submitting_from_the_use_case_page_shows_the_form_with_the_errors(login, alice, marketing):
    use_case = services.usecase_create(actor=alice, data={"team": marketing, "title": "Half done"})
    response = login(alice).post(reverse("usecases:submit", args=[use_case.pk]))
    page = html(response)
    assert response.status_code == 400
    assert 'id="id_summary_error"' in page
    assert 'value="Half done"' in page
    assert UseCase.objects.get(pk=use_case.pk).state == "draft"


# --- Detail page --------------------------------------------------------------------------


def test_the_detail_page_shows_every_answer_by_section_and_the_revisions(
    login, make_use_case, alice
):
    use_case = make_use_case("submitted")
    page = html(login(alice).get(reverse("usecases:detail", args=[use_case.pk])))
    assert use_case.reference in page and "Next-best-offer e-mails" in page
    for section in SECTIONS:
        assert str(section.title) in page
    assert "Contact details, Behavioural (clicks, browsing, usage)" in page  # list answers in words
    assert "Hosted by a vendor" in page
    assert "olivia.owner" in page
    assert re.search(r"<td>1</td>\s*<td><time", page)  # revision 1


def test_the_detail_page_offers_only_the_actions_the_user_may_take(
    login, client, make_use_case, alice, bob, council_member
):
    draft = make_use_case()
    submitted = make_use_case("submitted")
    page = html(login(bob).get(reverse("usecases:detail", args=[draft.pk])))
    assert "Edit answers" in page and "Submit for review" in page and "Withdraw" in page
    assert 'enctype="multipart/form-data"' in page

    page = html(login(alice).get(reverse("usecases:detail", args=[submitted.pk])))
    assert "Edit answers" not in page and "Submit for review" not in page
    assert "Withdraw" in page
    assert 'enctype="multipart/form-data"' not in page

    page = html(login(council_member).get(reverse("usecases:detail", args=[submitted.pk])))
    for action in (
        "Edit answers",
        "Submit for review",
        "Withdraw",
        "multipart/form-data",
        "Remove",
    ):
        assert action not in page


def test_submitting_a_draft_from_its_page(login, make_use_case, alice):
    use_case = make_use_case()
    response = login(alice).post(reverse("usecases:submit", args=[use_case.pk]), follow=True)
    assert "Submitted as revision 1" in html(response)
    assert UseCase.objects.get(pk=use_case.pk).state == "in_review"


def test_submitting_twice_is_refused_with_a_message(login, make_use_case, alice):
    use_case = make_use_case("submitted")
    response = login(alice).post(reverse("usecases:submit", args=[use_case.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("usecases:detail", args=[use_case.pk])
    assert "cannot be submitted" in html(response)


def test_withdrawing_asks_for_a_reason(login, make_use_case, alice):
    use_case = make_use_case("submitted")
    client = login(alice)
    response = client.post(reverse("usecases:withdraw", args=[use_case.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "Give a reason for withdrawing" in html(response)
    assert UseCase.objects.get(pk=use_case.pk).state == "in_review"
    response = client.post(
        reverse("usecases:withdraw", args=[use_case.pk]), {"reason": "Budget cut"}, follow=True
    )
    assert "withdrawn" in html(response)
    assert UseCase.objects.get(pk=use_case.pk).state == "withdrawn"


# --- Attachments --------------------------------------------------------------------------


def test_a_team_member_uploads_downloads_and_removes_a_file(
    login, make_use_case, alice, bob, charlie
):
    use_case = make_use_case()
    client = login(alice)
    url = reverse("usecases:attachment_upload", args=[use_case.pk])
    response = client.post(url, {"file": pdf_upload(), "kind": "dpia"}, follow=True)
    assert "“dpia.pdf” attached" in html(response)
    attachment = use_case.attachments.get()

    download = reverse("usecases:attachment_download", args=[use_case.pk, attachment.pk])
    response = login(bob).get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    assert login(charlie).get(download).status_code == 404

    remove = reverse("usecases:attachment_remove", args=[use_case.pk, attachment.pk])
    assert login(charlie).post(remove).status_code == 404
    response = login(bob).post(remove, follow=True)
    assert "“dpia.pdf” removed" in html(response)
    assert not use_case.attachments.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("setup.exe", b"MZ\x90\x00"),
            "Files of type &#x27;.exe&#x27; are not accepted",
        ),
        (
            SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf"),
            "does not look like a .pdf file",
        ),
    ],
)
def test_a_refused_upload_shows_why_next_to_the_file_field(
    login, make_use_case, alice, upload, message
):
    use_case = make_use_case()
    response = login(alice).post(
        reverse("usecases:attachment_upload", args=[use_case.pk]), {"file": upload, "kind": "other"}
    )
    page = html(response)
    assert response.status_code == 400
    error_list = re.search(r'<ul class="errorlist" id="id_file_error">(.*?)</ul>', page, re.S)
    assert message in error_list.group(1)
    assert 'aria-describedby="id_file_helptext id_file_error"' in page
    assert not use_case.attachments.exists()


def test_a_file_over_the_limit_is_refused(login, make_use_case, alice, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    use_case = make_use_case()
    big = pdf_upload(content=b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1))
    response = login(alice).post(
        reverse("usecases:attachment_upload", args=[use_case.pk]), {"file": big}
    )
    assert response.status_code == 400
    assert "the limit is 1 MB" in html(response)


def test_files_cannot_be_added_once_submitted(login, make_use_case, alice):
    use_case = make_use_case("submitted")
    response = login(alice).post(
        reverse("usecases:attachment_upload", args=[use_case.pk]), {"file": pdf_upload()}
    )
    assert response.status_code == 403
    assert not use_case.attachments.exists()


# --- List and dashboard -------------------------------------------------------------------


def test_the_list_shows_what_i_may_see_with_filters_and_a_tab_for_my_teams(
    login, make_use_case, alice, charlie, contact_centre
):
    mine = make_use_case("submitted", title="Offer e-mails")
    other = services.usecase_create(
        actor=charlie, data={"team": contact_centre, "title": "Call summaries"}
    )
    client = login(alice)
    page = html(client.get(reverse("usecases:list")))
    assert mine.reference in page and "Offer e-mails" in page
    assert other.reference not in page  # a draft of another team

    assert "Offer e-mails" in html(client.get(reverse("usecases:list"), {"mine": "true"}))
    assert "Offer e-mails" not in html(client.get(reverse("usecases:list"), {"state": "draft"}))
    assert "Offer e-mails" in html(
        client.get(reverse("usecases:list"), {"q": "offer", "risk_tier": "limited"})
    )
    assert "No use cases match" in html(
        client.get(reverse("usecases:list"), {"channel": "voice_ivr"})
    )


def test_the_list_never_shows_a_confidential_title_to_a_council_member_not_granted(
    login, make_use_case, alice
):
    secret = make_use_case("submitted", title="Unannounced loyalty relaunch", confidential=True)
    public = make_use_case("submitted", title="Next-best-offer e-mails")
    # Joins the council after the reviewers and verifiers were assigned: not granted.
    council_member = UserFactory(username="erin.ethics")
    RoleFactory(user=council_member, role="ethics")
    client = login(council_member)
    for url in (reverse("usecases:list"), reverse("home")):
        page = html(client.get(url))
        assert "Unannounced loyalty relaunch" not in page
        assert secret.reference not in page
    assert public.reference in html(client.get(reverse("usecases:list")))
    assert client.get(reverse("usecases:detail", args=[secret.pk])).status_code == 404

    assign_perm("usecases.view_usecase", council_member, secret)  # assigned as a reviewer
    assert "Unannounced loyalty relaunch" in html(client.get(reverse("usecases:list")))


def test_the_list_ignores_filters_and_pages_it_cannot_read(login, make_use_case, alice):
    make_use_case()
    response = login(alice).get(reverse("usecases:list"), {"state": "bogus", "page": "abc"})
    assert response.status_code == 200
    assert "Select a valid choice" in html(response)


def test_the_list_is_paginated_and_page_links_keep_the_filters(login, make_use_case, alice):
    for number in range(27):
        make_use_case(title=f"Idea {number}")
    client = login(alice)
    page = html(client.get(reverse("usecases:list"), {"state": "draft", "q": "Idea"}))
    assert "27 use cases" in page and "page 1 of 2" in page
    assert 'href="?state=draft&amp;q=Idea&amp;page=2"' in page
    second = html(client.get(reverse("usecases:list"), {"state": "draft", "q": "Idea", "page": 2}))
    assert second.count('<tr>\n            <td class="nowrap">') == 2


def test_the_dashboard_shows_what_needs_me_and_counts_by_state(login, make_use_case, alice):
    draft = make_use_case(title="Half-finished idea")
    submitted = make_use_case("submitted", title="Sent idea")
    page = html(login(alice).get(reverse("home")))
    needs_me = page.split('id="needs-me-title"')[1].split("</section>")[0]
    recent = page.split('id="submitted-title"')[1].split("</section>")[0]
    assert draft.reference in needs_me and submitted.reference not in needs_me
    assert submitted.reference in recent
    assert re.search(r"Draft</span> <span class=\"counts__n\">1<", page)
    assert re.search(r"In review</span> <span class=\"counts__n\">1<", page)
    assert reverse("usecases:new") in page


# The queries of each list page, pinned: a change shows here.
# Home: 8, and one each for what waits for a team member (questions, rejected answers,
# conditions, overdue re-reviews of their entries).
LIST_PAGE_QUERIES = {"/use-cases/": 8, "/": 12}


@pytest.mark.parametrize("url", ["/use-cases/", "/"])
def test_list_pages_run_the_same_number_of_queries_for_3_and_30_use_cases(
    login, make_use_case, alice, url
):
    client = login(alice)

    def queries_for(count):
        while UseCase.objects.count() < count:
            make_use_case("submitted" if UseCase.objects.count() % 2 else "draft")
        client.get(url)  # warm caches that live for the whole process (content types)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    assert queries_for(3) == queries_for(30) == LIST_PAGE_QUERIES[url]


def test_only_team_members_are_offered_a_new_use_case(client, alice, auditor):
    client.force_login(alice)
    assert 'href="/use-cases/new/"' in client.get("/use-cases/").content.decode()
    client.force_login(auditor)
    for page in ("/", "/use-cases/", "/registry/"):
        assert 'href="/use-cases/new/"' not in client.get(page).content.decode(), page
