"""The use-case dossier (SPEC section 8): one printable page and a PDF with the whole record of a
use case, for auditors and the chair; downloading the PDF is an audited export."""

import datetime
import hashlib
import io
import json
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

import workflows
from audit.models import AuditEvent
from audit.signing import manifest_signature_valid
from council.models import Notification
from oversight.dossier import event_in_words, usecase_dossier
from reviews import services as review_services
from reviews.models import Condition
from reviews.selectors import applicable_items
from usecases import services as usecase_services
from usecases.models import UseCase

from .factories import MembershipFactory
from .registry_support import entry_data
from .reviews_support import answer_and_verify_checklist, reviewer_for
from .shared_world import people, use_case_of

QUESTION = "Which lawful basis covers the e-mail profiling?"
CHANGES_ASKED = "Add the data processing agreement signed with Acme."
VERIFICATION = "Checked against the signed data processing agreement."
CONDITION = "Publish the privacy notice before go-live."
RATIONALE = "Data science abstained; the pilot is small and monitored weekly."
MET_EVIDENCE = "Notice live on the preference centre."
INCIDENT = "An offer for a discontinued product went to 12 customers."


def _vote(review, role, choice, **kwargs):
    review.refresh_from_db()
    return workflows.vote_cast(
        actor=reviewer_for(review, role), review=review, choice=choice, **kwargs
    )


def _send_back_and_resubmit(review, alice):
    """Revision 1 is sent back for changes once every role voted; the team revises and
    submits revision 2."""
    _vote(review, "privacy", "approve")
    _vote(review, "legal", "request_changes", reasons=CHANGES_ASKED)
    _vote(review, "marketing", "approve")
    _vote(review, "data_science", "approve")
    use_case = UseCase.objects.get(pk=review.use_case_id)
    use_case = usecase_services.usecase_update(
        actor=alice, use_case=use_case, data={"vendor": "Acme EU"}
    )
    workflows.usecase_submit(actor=alice, use_case=use_case)
    review.refresh_from_db()


def _verify_with_comment(review):
    answer_and_verify_checklist(review, review.use_case.created_by)
    item = applicable_items(review)[0]
    workflows.checklist_verify(
        actor=reviewer_for(review, item.role),
        review=review,
        item_id=item.pk,
        verdict="verified",
        comment=VERIFICATION,
    )


def _decide_by_chair(review, chair):
    """Every role votes (legal changes its mind, data science abstains); the chair decides."""
    _vote(review, "legal", "abstain")
    _vote(review, "legal", "approve")
    _vote(
        review,
        "privacy",
        "approve_with_conditions",
        conditions=[{"text": CONDITION, "blocking": True, "due_date": datetime.date(2026, 12, 1)}],
    )
    _vote(review, "marketing", "approve")
    _vote(review, "data_science", "abstain")
    review.refresh_from_db()
    workflows.decision_record_by_chair(
        actor=chair, review=review, outcome="approved_with_conditions", rationale=RATIONALE
    )


def _rich_case_world():
    """Two revisions, a comment, a checklist with a verification comment, changed and superseded
    votes, a chair decision, a met condition, a registry entry and an incident: built once for
    the tests marked with it (tests/shared_world.py)."""
    world = people()
    alice, owner, council = world["alice"], world["owner"], world["council"]
    use_case = use_case_of(world, "submitted")
    review = use_case.reviews.get()
    review_services.comment_add(
        actor=reviewer_for(review, "privacy"), review=review, body=QUESTION, is_question=True
    )
    _send_back_and_resubmit(review, alice)
    _verify_with_comment(review)
    _decide_by_chair(review, council["chair"])
    condition = review_services.condition_meet(
        actor=alice, condition=Condition.objects.get(text=CONDITION), evidence=MET_EVIDENCE
    )
    review_services.condition_confirm(
        actor=council["chair"], condition=condition, verdict="confirmed"
    )
    use_case = UseCase.objects.get(pk=use_case.pk)
    entry = workflows.deployment_create(
        actor=alice, use_case=use_case, data=entry_data(owner, alice)
    )
    workflows.incident_report(
        actor=alice, deployment=entry, kind="harmful_output", severity="low", description=INCIDENT
    )
    return {**world, "rich_case": UseCase.objects.get(pk=use_case.pk)}


shares_the_rich_case = pytest.mark.shared_world(build=_rich_case_world)


@pytest.fixture
def rich_case(shared):
    return shared["rich_case"]


def _grow(use_case, alice, times):
    """More of everything that repeats: comments, entry versions, incidents, audit events."""
    review = use_case.reviews.get()
    entry = use_case.deployments.get()
    for n in range(times):
        review_services.comment_add(actor=alice, review=review, body=f"Weekly note {n}")
        entry = workflows.deployment_update(
            actor=alice, deployment=entry, data={"monitoring_kpis": f"Unsubscribe rate, week {n}"}
        )
        workflows.incident_report(
            actor=alice, deployment=entry, kind="other", severity="low", description=f"Note {n}"
        )


def _client(client, user):
    client.force_login(user)
    return client


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


class TestThePage:
    @shares_the_rich_case
    def test_it_shows_every_kind_of_record_of_the_use_case(self, client, rich_case, auditor):
        response = _client(client, auditor).get(reverse("oversight:dossier", args=[rich_case.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        for text in [
            rich_case.reference,
            "Revision 1",
            "Revision 2",
            "Answers changed since revision 1",
            "Acme EU",  # the answer changed in revision 2
            "See DPIA v2",  # checklist evidence
            VERIFICATION,
            CHANGES_ASKED,  # the reasons of a vote
            RATIONALE,
            "Chair decision",
            CONDITION,
            MET_EVIDENCE,
            QUESTION,
            "AI-0001",
            INCIDENT,
            "opened a council review",  # audit events, in words
            "reported an incident on registry entry AI-0001",
        ]:
            assert text in page, text

    @shares_the_rich_case
    def test_the_audit_trail_reads_as_one_line_in_words_per_event(
        self, client, rich_case, auditor, council
    ):
        page = (
            _client(client, auditor)
            .get(reverse("oversight:dossier", args=[rich_case.pk]))
            .content.decode()
        )
        trail = page.split('id="dossier-audit"')[1]
        chair = council["chair"]
        for words in [
            f"{chair.get_full_name() or chair.username} decided as chair: Approved with conditions",
            "voted request changes",
            f"Reasons: {CHANGES_ASKED}",
            "marked a condition met",
            "State: In review → Approved with conditions",  # codes shown by their labels
        ]:
            assert words in trail, words
        # Every event is there, each on its one line, and no raw record is dumped.
        events = usecase_dossier(use_case=rich_case).events
        assert trail.count('class="dossier__event"') == len(events) > 20
        for raw in ["review_opened", "approve_with_conditions", "{&quot;", "<table"]:
            assert raw not in trail, raw

    @shares_the_rich_case
    def test_a_revision_whose_answers_changed_since_prints_them(self, client, rich_case, auditor):
        page = (
            _client(client, auditor)
            .get(reverse("oversight:dossier", args=[rich_case.pk]))
            .content.decode()
        )
        assert "Answers submitted" in page
        assert "The same as the current answers above" not in page

    @shares_the_rich_case
    def test_votes_that_no_longer_stand_are_marked_superseded(self, client, rich_case, auditor):
        page = (
            _client(client, auditor)
            .get(reverse("oversight:dossier", args=[rich_case.pk]))
            .content.decode()
        )
        assert "Replaced by the reviewer&#x27;s later vote" in page  # legal's abstention
        assert "Cast on revision 1; revision 2 was judged after it" in page

    @shares_the_rich_case
    def test_the_chair_sees_it_too(self, client, rich_case, council):
        response = _client(client, council["chair"]).get(
            reverse("oversight:dossier", args=[rich_case.pk])
        )
        assert response.status_code == 200

    @shares_the_rich_case
    def test_viewing_the_page_is_not_recorded(self, client, rich_case, auditor):
        before = AuditEvent.objects.count()
        _client(client, auditor).get(reverse("oversight:dossier", args=[rich_case.pk]))
        assert AuditEvent.objects.count() == before

    def test_a_use_case_without_a_review_still_has_a_dossier(self, client, make_use_case, auditor):
        use_case = make_use_case("withdrawn")
        response = _client(client, auditor).get(reverse("oversight:dossier", args=[use_case.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Revision 1" in page and "Not entered in the registry" in page
        # Unchanged since it was submitted: its answers are printed once, not twice.
        assert "The same as the current answers above: none has changed since." in page

    def test_a_use_case_never_submitted_has_an_empty_record_not_an_error(
        self, client, make_use_case, chair, marketing
    ):
        # The chair sees a draft only as a member of its team.
        MembershipFactory(user=chair, team=marketing)
        use_case = make_use_case("draft")
        response = _client(client, chair).get(reverse("oversight:dossier", args=[use_case.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Never submitted" in page and "No council review was opened" in page

    def test_the_use_case_page_links_the_dossier_for_auditors_only(
        self, client, make_use_case, auditor, alice
    ):
        use_case = make_use_case("submitted")
        dossier = reverse("oversight:dossier", args=[use_case.pk])
        detail = reverse("usecases:detail", args=[use_case.pk])
        assert dossier in _client(client, auditor).get(detail).content.decode()
        assert dossier not in _client(client, alice).get(detail).content.decode()

    @shares_the_rich_case
    def test_its_queries_do_not_grow_with_the_record(self, client, rich_case, auditor, alice):
        url = reverse("oversight:dossier", args=[rich_case.pk])
        client = _client(client, auditor)
        client.get(url)  # warm the per-process caches (content types, sessions)
        with CaptureQueriesContext(connection) as small:
            assert client.get(url).status_code == 200
        _grow(rich_case, alice, times=5)
        with CaptureQueriesContext(connection) as large:
            response = client.get(url)
        assert "Weekly note 4" in response.content.decode()
        assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
        assert len(large) == DOSSIER_QUERIES, [q["sql"] for q in large.captured_queries]


# The dossier page's queries, pinned: a change shows here (the entries' own read brings their
# KPIs).
DOSSIER_QUERIES = 22


class TestWhoMaySeeIt:
    @pytest.mark.parametrize("name", ["dossier", "dossier_pdf"])
    def test_a_council_member_who_is_not_the_chair_is_refused(
        self, client, make_use_case, council_member, name
    ):
        use_case = make_use_case("submitted")
        response = _client(client, council_member).get(
            reverse(f"oversight:{name}", args=[use_case.pk])
        )
        assert response.status_code == 403

    @pytest.mark.parametrize("name", ["dossier", "dossier_pdf"])
    def test_a_team_member_is_refused(self, client, make_use_case, bob, name):
        use_case = make_use_case("submitted")
        response = _client(client, bob).get(reverse(f"oversight:{name}", args=[use_case.pk]))
        assert response.status_code == 403

    @pytest.mark.parametrize("name", ["dossier", "dossier_pdf"])
    def test_an_outsider_finds_nothing(self, client, make_use_case, outsider, name):
        use_case = make_use_case("submitted")
        response = _client(client, outsider).get(reverse(f"oversight:{name}", args=[use_case.pk]))
        assert response.status_code == 404

    @pytest.mark.parametrize("name", ["dossier", "dossier_pdf"])
    def test_an_auditor_finds_no_draft(self, client, make_use_case, auditor, name):
        use_case = make_use_case("draft")
        response = _client(client, auditor).get(reverse(f"oversight:{name}", args=[use_case.pk]))
        assert response.status_code == 404

    def test_an_anonymous_visitor_is_sent_to_log_in(self, client, make_use_case):
        use_case = make_use_case("submitted")
        response = client.get(reverse("oversight:dossier", args=[use_case.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestThePdf:
    @shares_the_rich_case
    def test_it_is_a_pdf_of_the_same_record_downloaded_as_a_file(self, client, rich_case, auditor):
        response = _client(client, auditor).get(
            reverse("oversight:dossier_pdf", args=[rich_case.pk])
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert response["Content-Disposition"] == (
            f'attachment; filename="{rich_case.reference}-dossier.pdf"'
        )
        text = _pdf_text(response.content)
        assert rich_case.reference in text
        assert "AI-0001" in text
        assert "Revision 2" in text
        words = " ".join(text.replace("\u200b", "").split())
        assert "marked a condition met" in words
        assert "opened a council review" in words

    # The two tests of the audit of a download render the dossier of a use case just submitted:
    # WeasyPrint lays the rich one out in ~7 s, the short one in ~1 s.
    def test_each_download_is_one_audited_export_naming_the_file_hash(
        self, client, make_use_case, auditor
    ):
        use_case = make_use_case("submitted")
        head_before = AuditEvent.objects.order_by("-seq").first().seq
        response = _client(client, auditor).get(
            reverse("oversight:dossier_pdf", args=[use_case.pk])
        )
        events = AuditEvent.objects.filter(seq__gt=head_before)
        assert [e.action for e in events] == ["dossier_exported"]
        event = events.get()
        assert (event.object_type, event.object_id, event.object_ref) == (
            "usecases.usecase",
            str(use_case.pk),
            use_case.reference,
        )
        assert event.actor == auditor
        manifest = event.changes["manifest"][1]
        assert manifest["sha256"] == hashlib.sha256(response.content).hexdigest()
        assert manifest["audit_chain_head"]["seq"] == head_before
        # The download carries the same manifest, signed with the installation's key.
        assert json.loads(response["X-Export-Manifest"]) == manifest
        assert manifest_signature_valid(manifest, response["X-Export-Signature"])
        assert not manifest_signature_valid(
            {**manifest, "sha256": "0" * 64}, response["X-Export-Signature"]
        )

    def test_the_audit_page_lists_the_download_with_its_manifest(
        self, client, make_use_case, auditor
    ):
        use_case = make_use_case("submitted")
        auditing = _client(client, auditor)
        pdf = auditing.get(reverse("oversight:dossier_pdf", args=[use_case.pk])).content
        event = AuditEvent.objects.get(action="dossier_exported")

        page = auditing.get("/audit/").content.decode()
        manifest = auditing.get(f"/audit/events/{event.seq}/manifest.json").json()

        assert "Dossier PDF" in page and f"/audit/events/{event.seq}/manifest.json" in page
        assert manifest["sha256"] == hashlib.sha256(pdf).hexdigest()

    @shares_the_rich_case
    def test_without_the_pdf_renderer_it_says_so_and_records_nothing(
        self, client, rich_case, auditor, monkeypatch
    ):
        # A server without WeasyPrint (or the Pango libraries it loads): the import fails.
        monkeypatch.setitem(sys.modules, "weasyprint", None)
        before = AuditEvent.objects.count()
        response = _client(client, auditor).get(
            reverse("oversight:dossier_pdf", args=[rich_case.pk])
        )
        assert response.status_code == 503
        assert "cannot be produced" in response.content.decode()
        assert AuditEvent.objects.count() == before


class TestAnEventInWords:
    """oversight.dossier.event_in_words: the appendix's line for one event (no database)."""

    def _event(self, action, changes, object_type="usecases.usecase", object_ref="UC-2026-0001"):
        return AuditEvent(
            seq=7, action=action, object_type=object_type, object_ref=object_ref,
            actor_username="carla", changes=changes,
        )  # fmt: skip

    def test_it_says_who_did_what_with_labels_not_codes(self):
        record = event_in_words(
            self._event(
                "stage_changed",
                {"stage": ["pilot", "production"], "reason": [None, "Pilot passed"]},
                object_type="registry.deployment",
                object_ref="AI-0007",
            )
        )
        assert record.summary == "carla moved registry entry AI-0007 to production"
        assert record.changes == [("Stage", "Pilot", "Production"), ("Reason", "", "Pilot passed")]

    def test_a_checklist_event_names_the_item_once_and_lists_its_fields(self):
        record = event_in_words(
            self._event(
                "checklist_verified",
                {"PRV-01": [None, {"verdict": "rejected", "comment": ""}]},
                object_type="reviews.review",
            )
        )
        assert record.summary == "carla checked the answer to checklist item PRV-01"
        assert record.changes == [("Verdict", "", "Rejected")]  # the empty comment is left out

    def test_the_concurrency_counter_is_left_out(self):
        record = event_in_words(
            self._event("submitted", {"state": ["draft", "submitted"], "version": [1, 2]})
        )
        assert record.summary == "carla submitted the use case"
        assert record.changes == [("State", "Draft", "Submitted")]

    def test_an_event_of_many_fields_names_them_only(self):
        changes = {f"field_{n}": [None, "x" * 50] for n in range(10)}
        (row,) = event_in_words(self._event("created", changes)).changes
        assert row == ("Fields recorded", "", ", ".join(f"Field {n}" for n in range(10)))

    def test_a_long_value_is_shortened(self):
        (row,) = event_in_words(self._event("comment_added", {"body": [None, "y" * 5000]})).changes
        assert row[2].endswith("…") and len(row[2]) < 200

    def test_an_action_it_does_not_know_still_reads_in_words(self):
        record = event_in_words(self._event("rocket_launched", {}))
        assert record.summary == "carla rocket launched (the use case)"
        assert record.changes == []


class TestALongDossierIsBuiltInTheBackground:
    """Above oversight.dossier's thresholds the PDF link queues oversight.tasks.dossier_pdf_build
    (run in-process here, as on the embedded default) and the requester is notified."""

    @pytest.fixture
    def long_dossier(self, monkeypatch, make_use_case):
        # Any dossier with an event counts as long here: the rule, not the size, is under test.
        monkeypatch.setattr("oversight.dossier.BACKGROUND_EVENTS", 0)
        return make_use_case("submitted")

    def _ask(self, client, user, use_case, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            return _client(client, user).get(reverse("oversight:dossier_pdf", args=[use_case.pk]))

    def test_the_page_says_it_is_being_prepared_and_the_requester_is_notified_once(
        self, client, long_dossier, auditor, django_capture_on_commit_callbacks
    ):
        response = self._ask(client, auditor, long_dossier, django_capture_on_commit_callbacks)
        assert response.status_code == 202
        assert "being prepared" in response.content.decode()
        assert "You will be notified" in response.content.decode()
        (notice,) = Notification.objects.filter(user=auditor)
        assert long_dossier.reference in notice.subject
        event = AuditEvent.objects.get(action="dossier_exported")
        assert notice.url == reverse(
            "oversight:dossier_pdf_built", args=[long_dossier.pk, event.seq]
        )
        assert Notification.objects.filter(key__startswith="dossier_pdf:").count() == 1

    def test_the_kept_pdf_is_the_audited_export_with_its_signed_manifest(
        self, client, long_dossier, auditor, django_capture_on_commit_callbacks
    ):
        self._ask(client, auditor, long_dossier, django_capture_on_commit_callbacks)
        event = AuditEvent.objects.get(action="dossier_exported")
        assert event.actor == auditor and event.object_id == str(long_dossier.pk)
        manifest = event.changes["manifest"][1]

        response = client.get(Notification.objects.get(user=auditor).url)

        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert hashlib.sha256(response.content).hexdigest() == manifest["sha256"]
        assert json.loads(response["X-Export-Manifest"]) == manifest
        assert manifest_signature_valid(manifest, response["X-Export-Signature"])
        assert long_dossier.reference in _pdf_text(response.content)
        # Fetching the kept file again is not another export.
        assert AuditEvent.objects.filter(action="dossier_exported").count() == 1

    def test_the_kept_pdf_is_served_only_to_who_may_read_the_dossier(
        self,
        client,
        long_dossier,
        auditor,
        chair,
        council_member,
        outsider,
        django_capture_on_commit_callbacks,
    ):
        self._ask(client, auditor, long_dossier, django_capture_on_commit_callbacks)
        url = Notification.objects.get(user=auditor).url
        assert _client(client, chair).get(url).status_code == 200
        assert _client(client, council_member).get(url).status_code == 403
        assert _client(client, outsider).get(url).status_code == 404
        client.logout()
        assert client.get(url).status_code == 302

    def test_no_other_number_serves_a_file(
        self, client, long_dossier, auditor, make_use_case, django_capture_on_commit_callbacks
    ):
        self._ask(client, auditor, long_dossier, django_capture_on_commit_callbacks)
        seq = AuditEvent.objects.get(action="dossier_exported").seq
        other = make_use_case("submitted")
        for pk, number in [(long_dossier.pk, seq - 1), (long_dossier.pk, 2**70), (other.pk, seq)]:
            response = client.get(f"/use-cases/{pk}/dossier/pdf/{number}/")
            assert response.status_code == 404, (pk, number)

    def test_without_the_pdf_renderer_the_requester_is_told_and_nothing_is_recorded(
        self, client, long_dossier, auditor, monkeypatch, django_capture_on_commit_callbacks
    ):
        monkeypatch.setitem(sys.modules, "weasyprint", None)
        response = self._ask(client, auditor, long_dossier, django_capture_on_commit_callbacks)
        assert response.status_code == 202
        (notice,) = Notification.objects.filter(user=auditor)
        assert "could not be produced" in notice.subject and "not installed" in notice.body
        assert not AuditEvent.objects.filter(action="dossier_exported").exists()

    def test_a_short_dossier_still_downloads_at_once(self, client, make_use_case, auditor):
        use_case = make_use_case("submitted")
        response = _client(client, auditor).get(
            reverse("oversight:dossier_pdf", args=[use_case.pk])
        )
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert not Notification.objects.filter(user=auditor).exists()
