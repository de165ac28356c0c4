"""The checklist saved section by section: one form per section, nothing typed lost, counters,
filters, evidence files and links; and the changes-requested banner on the use case page.

Personas as in conftest: alice answers for Marketing, bob is in her team, charlie is in another
team, pia verifies privacy items, audrey audits, and an outsider sees nothing.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import workflows
from audit.models import AuditEvent
from demo import scenarios
from reviews import services
from reviews.models import ChecklistAnswer
from reviews.selectors import applicable_items

from .reviews_support import item_of, send_back_for_changes
from .shared_world import review_world

pytestmark = pytest.mark.shared_world(build=review_world, for_tests_using="review")

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def html(response) -> str:
    return response.content.decode()


def page_of(review, show="") -> str:
    url = reverse("reviews:detail", args=[review.pk])
    return f"{url}?show={show}" if show else url


def section_url(review, section) -> str:
    return reverse("reviews:checklist_section", args=[review.pk, section])


def privacy_section(review):
    """The section of the first privacy item, and its applicable items (at least two)."""
    section = item_of(review, "privacy").section
    items = [item for item in applicable_items(review) if item.section == section]
    assert len(items) >= 2
    return section, items


def answer_data(item, answer="", evidence="", version=0, **extra):
    prefix = f"answer-{item.code}-"
    data = {f"{prefix}version": version, f"{prefix}evidence": evidence}
    if answer:
        data[f"{prefix}answer"] = answer
    return data | {f"{prefix}{name}": value for name, value in extra.items()}


def verify_data(item, verdict="", comment=""):
    return {f"verify-{item.code}-verdict": verdict, f"verify-{item.code}-comment": comment}


def saved(review, item):
    return ChecklistAnswer.objects.filter(review=review, item=item).first()


# --- One save per section ------------------------------------------------------------------------


def test_a_section_save_saves_every_item_typed_in_one_request(login, review, alice):
    section, (first, second, *rest) = privacy_section(review)
    data = answer_data(first, "yes", "DPIA v2, section 4") | answer_data(
        second, "partial", "Retention set; deletion job next sprint"
    )
    for item in rest:  # left blank: not saved, no error
        data |= answer_data(item)
    response = login(alice).post(section_url(review, section), data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#section-{section}")
    assert saved(review, first).evidence == "DPIA v2, section 4"
    assert saved(review, second).answer == "partial"
    assert not any(saved(review, item) for item in rest)
    events = AuditEvent.objects.filter(action="checklist_answered", object_id=str(review.pk))
    assert events.count() == 2


def test_an_unchanged_answer_is_not_saved_again_so_its_verification_stands(
    login, review, alice, council
):
    section, (first, second, *_) = privacy_section(review)
    row = services.checklist_answer(
        actor=alice, review=review, item_id=first.pk, answer="yes", evidence="DPIA"
    )
    workflows.checklist_verify(
        actor=council["privacy"], review=review, item_id=first.pk, verdict="verified"
    )
    data = answer_data(first, "yes", "DPIA", version=row.version) | answer_data(
        second, "no", "Not yet"
    )
    assert login(alice).post(section_url(review, section), data).status_code == 302
    assert saved(review, first).verdict == "verified"
    assert saved(review, first).version == 1
    assert saved(review, second).answer == "no"


def test_an_error_saves_nothing_and_keeps_every_typed_value_with_the_error_next_to_its_item(
    login, review, alice
):
    section, (first, second, *_) = privacy_section(review)
    data = answer_data(first, "yes", "Typed for the first item") | answer_data(
        second, "not_applicable", ""
    )
    response = login(alice).post(section_url(review, section), data)
    assert response.status_code == 400
    assert not ChecklistAnswer.objects.filter(review=review).exists()
    page = html(response)
    assert "Typed for the first item</textarea>" in page
    assert re.search(rf'name="answer-{first.code}-answer" value="yes"[^>]*checked', page)
    assert re.search(
        rf'id="id_answer-{second.code}-evidence_error"><li>Justify why the item does not apply',
        page,
    )
    assert "nothing was saved" in page


def test_evidence_without_an_answer_is_refused_next_to_the_item(login, review, alice):
    section, (first, *_) = privacy_section(review)
    response = login(alice).post(
        section_url(review, section), answer_data(first, "", "Evidence typed, no answer")
    )
    assert response.status_code == 400
    assert "Choose an answer to save this evidence." in html(response)
    assert "Evidence typed, no answer</textarea>" in html(response)


def test_a_stale_answer_is_refused_per_item_and_nothing_of_the_section_is_saved(
    login, review, alice, bob
):
    section, (first, second, *_) = privacy_section(review)
    # alice's page was read before bob answered the first item.
    services.checklist_answer(
        actor=bob, review=review, item_id=first.pk, answer="no", evidence="bob's answer"
    )
    data = answer_data(first, "yes", "alice's answer") | answer_data(second, "yes", "Second")
    response = login(alice).post(section_url(review, section), data)
    assert response.status_code == 409
    page = html(response)
    assert "bob" in page and "alice&#x27;s answer</textarea>" in page
    assert saved(review, first).evidence == "bob's answer"
    assert saved(review, second) is None
    # The form carries bob's version now: saving again keeps alice's input over his.
    carried = re.search(rf'name="answer-{first.code}-version" value="(\d+)"', page).group(1)
    assert carried == "1"
    data[f"answer-{first.code}-version"] = carried
    assert login(alice).post(section_url(review, section), data).status_code == 302
    assert saved(review, first).evidence == "alice's answer"
    assert saved(review, second).evidence == "Second"


def test_the_verifier_saves_the_verdicts_of_a_section_at_once_or_none(
    login, review, alice, council
):
    section, items = privacy_section(review)
    mine = [item for item in items if item.role == "privacy"]
    for item in items:
        services.checklist_answer(actor=alice, review=review, item_id=item.pk, answer="yes")
    client = login(council["privacy"])
    data = {}
    for item in mine:
        data |= verify_data(item, "verified", "Checked")
    data |= verify_data(mine[0], "rejected", "")  # a rejection needs a comment
    response = client.post(section_url(review, section), data)
    assert response.status_code == 400
    assert f'id="id_verify-{mine[0].code}-comment_error"' in html(response)
    assert not ChecklistAnswer.objects.filter(review=review).exclude(verdict="").exists()
    data |= verify_data(mine[0], "rejected", "Where is the DPIA?")
    assert client.post(section_url(review, section), data).status_code == 302
    assert saved(review, mine[0]).verdict == "rejected"
    assert all(saved(review, item).verdict == "verified" for item in mine[1:])


def test_the_section_save_that_verifies_the_last_items_decides_and_moves_the_use_case(
    login, review, alice, council
):
    section, items = privacy_section(review)
    mine = [item for item in items if item.role == "privacy"]
    scenarios.answer_checklist(review, answered_by=alice)
    for item in applicable_items(review):
        if item not in mine:
            workflows.checklist_verify(
                actor=council[item.role], review=review, item_id=item.pk, verdict="verified"
            )
    scenarios.cast_votes(review)
    data = {}
    for item in mine:
        data |= verify_data(item, "verified", "")
    assert login(council["privacy"]).post(section_url(review, section), data).status_code == 302
    review.refresh_from_db()
    assert review.outcome == "approved"
    assert review.use_case.state == "approved"


def test_a_comment_without_a_verdict_is_not_silently_dropped(login, review, alice, council):
    section, items = privacy_section(review)
    item = next(item for item in items if item.role == "privacy")
    services.checklist_answer(actor=alice, review=review, item_id=item.pk, answer="yes")
    response = login(council["privacy"]).post(
        section_url(review, section), verify_data(item, "", "Looks fine so far")
    )
    assert response.status_code == 400
    assert "Choose Verify or Reject to save your comment." in html(response)


@pytest.mark.parametrize("who", ["auditor", "charlie", "council_member"])
def test_who_neither_answers_nor_verifies_cannot_save_a_section(request, login, review, who, alice):
    section, (first, *_) = privacy_section(review)
    services.checklist_answer(actor=alice, review=review, item_id=first.pk, answer="yes")
    user = request.getfixturevalue(who)
    data = answer_data(first, "no", "overwritten", version=1) | verify_data(first, "verified")
    response = login(user).post(section_url(review, section), data)
    assert response.status_code in (403, 404)
    assert saved(review, first).answer == "yes" and saved(review, first).verdict == ""


def test_an_auditor_is_offered_no_section_form(login, review, auditor):
    page = html(login(auditor).get(page_of(review)))
    assert reverse("reviews:checklist_section", args=[review.pk, "privacy"]) not in page
    assert 'name="answer-' not in page


def test_an_unknown_section_is_not_found(login, review, alice):
    assert login(alice).post(section_url(review, "astrology"), {}).status_code == 404


# --- Counters and filters ------------------------------------------------------------------------


def test_counters_show_answered_and_verified_per_section_and_overall(login, review, alice, council):
    section, (first, second, *_) = privacy_section(review)
    total = len(applicable_items(review))
    services.checklist_answer(actor=alice, review=review, item_id=first.pk, answer="yes")
    services.checklist_answer(actor=alice, review=review, item_id=second.pk, answer="no")
    verifier = council[first.role]
    workflows.checklist_verify(actor=verifier, review=review, item_id=first.pk, verdict="verified")
    page = html(login(alice).get(page_of(review)))
    assert f"<strong>2 of {total}</strong> items answered" in page
    assert re.search(r"<strong>1 of \d+</strong> required items? verified", page)
    in_section = len([i for i in applicable_items(review) if i.section == section])
    assert f"2 of {in_section} answered" in page


def test_the_unanswered_filter_shows_only_items_without_an_answer(login, review, alice):
    _, (first, second, *_) = privacy_section(review)
    services.checklist_answer(actor=alice, review=review, item_id=first.pk, answer="yes")
    page = html(login(alice).get(page_of(review, "unanswered")))
    assert f'id="item-{first.code}"' not in page
    assert f'id="item-{second.code}"' in page
    assert 'aria-current="true"' in page


def test_the_rejected_filter_shows_only_rejected_answers(login, review, alice, council):
    _, (first, second, *_) = privacy_section(review)
    for item in (first, second):
        services.checklist_answer(actor=alice, review=review, item_id=item.pk, answer="yes")
    workflows.checklist_verify(
        actor=council[first.role],
        review=review,
        item_id=first.pk,
        verdict="rejected",
        comment="Missing",
    )
    page = html(login(alice).get(page_of(review, "rejected")))
    assert f'id="item-{first.code}"' in page
    assert f'id="item-{second.code}"' not in page


def test_mine_shows_a_reviewer_the_items_of_their_role_only(login, review, council):
    page = html(login(council["privacy"]).get(page_of(review, "mine")))
    for item in applicable_items(review):
        assert (f'id="item-{item.code}"' in page) == (item.role == "privacy")


def test_an_unknown_filter_shows_every_item(login, review, alice):
    page = html(login(alice).get(page_of(review, "<script>")))
    assert all(f'id="item-{item.code}"' in page for item in applicable_items(review))
    assert "<script>" not in page.split('id="checklist"')[1].split("</section>")[0]


def test_a_filtered_section_save_leaves_the_hidden_items_alone(login, review, alice):
    section, (first, second, *_) = privacy_section(review)
    services.checklist_answer(actor=alice, review=review, item_id=first.pk, answer="yes")
    data = answer_data(second, "no", "Only this one was shown") | {"show": "unanswered"}
    response = login(alice).post(section_url(review, section), data)
    assert response.status_code == 302 and "?show=unanswered" in response["Location"]
    assert saved(review, first).answer == "yes"
    assert saved(review, second).answer == "no"


# --- Evidence files ------------------------------------------------------------------------------


def upload(name="dpia.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_file_is_evidence_served_only_to_who_may_see_the_review(
    login, review, alice, council, outsider
):
    section, (first, *_) = privacy_section(review)
    data = answer_data(first, "yes", "The DPIA, attached", file=upload())
    assert login(alice).post(section_url(review, section), data).status_code == 302
    row = saved(review, first)
    assert row.evidence_file_name == "dpia.pdf" and row.evidence_file_size == len(PDF)
    url = reverse("reviews:evidence_file", args=[review.pk, row.pk])
    assert url in html(login(alice).get(page_of(review)))
    response = login(council["privacy"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login(outsider).get(url).status_code == 404
    event = AuditEvent.objects.filter(action="checklist_answered").latest("pk")
    assert event.changes[first.code][1]["file"]["name"] == "dpia.pdf"


def test_a_file_too_big_is_refused_and_nothing_is_kept(login, review, alice, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    section, (first, second, *_) = privacy_section(review)
    data = answer_data(first, "yes", "Too big", file=upload()) | answer_data(second, "yes", "Kept")
    response = login(alice).post(section_url(review, section), data)
    assert response.status_code == 400
    assert "the limit is" in html(response)
    assert "Kept</textarea>" in html(response)
    assert not ChecklistAnswer.objects.filter(review=review).exists()


def test_a_file_of_a_wrong_type_is_refused(login, review, alice):
    section, (first, *_) = privacy_section(review)
    data = answer_data(first, "yes", "", file=upload("run.exe", b"MZ\x90\x00", "x-msdownload"))
    response = login(alice).post(section_url(review, section), data)
    assert response.status_code == 400
    assert "Files of type &#x27;.exe&#x27; are not accepted" in html(response)
    assert not ChecklistAnswer.objects.filter(review=review).exists()


def test_a_file_whose_content_is_not_its_type_is_refused(login, review, alice):
    section, (first, *_) = privacy_section(review)
    data = answer_data(first, "yes", "", file=upload("fake.pdf", b"<html>not a pdf</html>"))
    response = login(alice).post(section_url(review, section), data)
    assert response.status_code == 400
    assert "does not look like a .pdf file" in html(response)


# --- Links in evidence ---------------------------------------------------------------------------


def test_links_in_evidence_are_clickable_and_nothing_else_is(login, review, alice):
    _, (first, *_) = privacy_section(review)
    evidence = (
        "DPIA at https://intranet.example.com/dpia?id=4&v=2. Also javascript:alert(1) and "
        '<script>alert("x")</script> and data:text/html,hi'
    )
    services.checklist_answer(
        actor=alice, review=review, item_id=first.pk, answer="yes", evidence=evidence
    )
    page = html(login(alice).get(page_of(review)))
    assert (
        '<a href="https://intranet.example.com/dpia?id=4&amp;v=2" rel="noopener noreferrer">'
        in page
    )
    assert 'href="javascript:' not in page and 'href="data:' not in page
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;" in page


# --- The use case page when the council requested changes ----------------------------------------


def test_the_use_case_page_says_what_the_council_asked_to_change(login, review, alice, council):
    item = item_of(review, "legal")
    services.checklist_answer(actor=alice, review=review, item_id=item.pk, answer="partial")
    workflows.checklist_verify(
        actor=council["legal"],
        review=review,
        item_id=item.pk,
        verdict="rejected",
        comment="Attach the signed processing agreement",
    )
    send_back_for_changes(review, role="legal", reasons="Add the DPA with the vendor")
    page = html(login(alice).get(reverse("usecases:detail", args=[review.use_case_id])))
    banner = page.split('id="changes-requested"')[1].split("</section>")[0]
    assert "Add the DPA with the vendor" in banner
    assert item.code in banner and "Attach the signed processing agreement" in banner
    assert reverse("usecases:edit", args=[review.use_case_id]) in banner
    assert "Edit answers" in banner


def test_no_banner_while_the_review_is_open(login, review, alice):
    page = html(login(alice).get(reverse("usecases:detail", args=[review.use_case_id])))
    assert 'id="changes-requested"' not in page
