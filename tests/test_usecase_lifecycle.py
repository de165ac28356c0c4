import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

import workflows
from audit.models import AuditEvent
from common.errors import ActionForbidden, TransitionNotAllowed
from usecases import services
from usecases.models import UseCase
from usecases.validation import submission_errors

from .factories import complete_answers


def test_a_new_use_case_gets_a_yearly_reference_and_starts_as_draft(alice, marketing):
    use_case = services.usecase_create(actor=alice, data={"team": marketing, "title": "Churn"})
    assert re.fullmatch(r"UC-\d{4}-0001", use_case.reference)
    assert use_case.state == "draft"
    second = services.usecase_create(actor=alice, data={"team": marketing})
    assert second.reference.endswith("-0002")


def test_a_draft_saves_with_any_subset_of_answers(alice, marketing):
    use_case = services.usecase_create(actor=alice, data={"team": marketing})
    assert use_case.title == ""
    assert UseCase.objects.get(pk=use_case.pk).display_title == "(untitled draft)"


def test_it_refuses_a_team_the_submitter_does_not_belong_to(alice, contact_centre):
    with pytest.raises(ValidationError) as error:
        services.usecase_create(actor=alice, data={"team": contact_centre})
    assert "team" in error.value.message_dict


def test_submitting_freezes_a_revision_with_the_answers_and_tier(make_use_case, alice):
    use_case = make_use_case("submitted")
    assert use_case.state == "in_review"
    assert use_case.revision == 1
    revision = use_case.revisions.get()
    assert revision.number == 1
    assert revision.answers["title"] == "Next-best-offer e-mails"
    assert revision.risk_tier == use_case.risk_tier == "limited"


def test_submitting_reports_every_missing_answer_at_once(alice, marketing):
    use_case = services.usecase_create(actor=alice, data={"team": marketing, "title": "Bot"})
    with pytest.raises(ValidationError) as error:
        workflows.usecase_submit(actor=alice, use_case=use_case)
    missing = set(error.value.message_dict)
    assert {
        "summary",
        "business_problem",
        "business_owner",
        "functions",
        "channels",
        "capabilities",
        "customer_facing",
        "pilot_plan",
    } <= missing
    assert "title" not in missing
    assert UseCase.objects.get(pk=use_case.pk).state == "draft"


def test_a_prohibited_practice_blocks_submission_and_says_why(make_use_case, alice):
    use_case = make_use_case(workplace_emotion_recognition=True)
    assert use_case.risk_tier == "prohibited"
    with pytest.raises(ValidationError) as error:
        workflows.usecase_submit(actor=alice, use_case=use_case)
    message = error.value.message_dict["workplace_emotion_recognition"][0]
    assert "prohibited" in message and "Art. 5(1)(f)" in message


def test_a_submitted_use_case_cannot_be_edited_or_submitted_again(make_use_case, alice):
    use_case = make_use_case("submitted")
    with pytest.raises(ActionForbidden):
        services.usecase_update(actor=alice, use_case=use_case, data={"title": "Changed"})
    with pytest.raises(TransitionNotAllowed):
        workflows.usecase_submit(actor=alice, use_case=use_case)
    assert UseCase.objects.get(pk=use_case.pk).title == "Next-best-offer e-mails"


def test_withdrawing_is_allowed_before_a_decision_and_only_once(make_use_case, alice):
    use_case = make_use_case("submitted")
    use_case = workflows.usecase_withdraw(actor=alice, use_case=use_case, reason="Budget cut")
    assert use_case.state == "withdrawn"
    with pytest.raises(TransitionNotAllowed):
        workflows.usecase_withdraw(actor=alice, use_case=use_case)


def test_someone_outside_the_team_cannot_edit_submit_or_withdraw(make_use_case, charlie):
    use_case = make_use_case()
    with pytest.raises(ActionForbidden):
        services.usecase_update(actor=charlie, use_case=use_case, data={"title": "Mine now"})
    with pytest.raises(ActionForbidden):
        workflows.usecase_submit(actor=charlie, use_case=use_case)
    with pytest.raises(ActionForbidden):
        workflows.usecase_withdraw(actor=charlie, use_case=use_case)


def test_the_business_owner_may_edit_and_submit_like_the_team(make_use_case, owner):
    use_case = make_use_case()
    services.usecase_update(actor=owner, use_case=use_case, data={"title": "Owner's title"})
    use_case = workflows.usecase_submit(actor=owner, use_case=use_case)
    assert use_case.state == "in_review"


def test_every_change_and_transition_is_an_audit_event_with_before_and_after(make_use_case, alice):
    use_case = make_use_case()
    services.usecase_update(actor=alice, use_case=use_case, data={"title": "Better offers"})
    workflows.usecase_submit(actor=alice, use_case=use_case)
    events = list(
        AuditEvent.objects.filter(object_ref=use_case.reference, object_type="usecases.usecase")
    )
    assert [e.action for e in events] == ["created", "changed", "submitted", "review_started"]
    assert events[1].changes["title"] == ["Next-best-offer e-mails", "Better offers"]
    assert events[2].changes["state"] == ["draft", "submitted"]
    assert all(e.actor == alice for e in events)


def test_an_unchanged_save_writes_no_audit_event(make_use_case, alice):
    use_case = make_use_case()
    count = AuditEvent.objects.count()
    services.usecase_update(actor=alice, use_case=use_case, data={"title": use_case.title})
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_references_stay_unique_when_created_at_the_same_time(alice, marketing):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the whole database)")
    references, errors = [], []

    def create():
        try:
            references.append(
                services.usecase_create(actor=alice, data={"team": marketing}).reference
            )
        except Exception as error:  # noqa: BLE001  (collected and asserted below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(references)) == 8
    assert sorted(int(r[-4:]) for r in references) == list(range(1, 9))


def test_complete_answers_have_no_submission_errors():
    assert submission_errors({**complete_answers(), "team": 1, "business_owner": 2}) == {}
