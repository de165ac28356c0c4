"""The inventory's writes: the council keeps vendors and models, teams propose, auditors change
nothing; every write is checked and audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from common.errors import ActionForbidden, StaleEdit, TransitionNotAllowed
from inventory import services
from inventory.selectors import vendors_lapsed, vendors_visible

from .factories import RoleFactory, UserFactory
from .inventory_support import AiModelFactory, VendorFactory, assessment

pytestmark = pytest.mark.usefixtures("db")


def _events(record):
    return AuditEvent.objects.filter(
        object_type=record._meta.label_lower, object_id=str(record.pk)
    ).order_by("seq")


def test_a_council_member_enters_a_vendor_and_it_is_audited(council_member):
    vendor = services.vendor_create(actor=council_member, data=assessment())

    assert vendor.version == 1
    event = _events(vendor).get()
    assert event.action == "created"
    assert event.actor == council_member
    assert event.object_ref == "Acme AI"
    assert event.changes["certifications"] == [None, ["iso_27001", "soc2_type_ii"]]


def test_the_chair_edits_an_assessment_and_the_change_is_audited_with_its_version(chair):
    vendor = services.vendor_create(actor=chair, data=assessment())

    services.vendor_update(
        actor=chair, vendor=vendor, data={"trains_on_our_data": "opt_out_available"}, version=1
    )

    vendor.refresh_from_db()
    assert vendor.trains_on_our_data == "opt_out_available"
    assert vendor.version == 2
    changed = _events(vendor).last()
    assert changed.action == "changed"
    assert changed.changes == {
        "trains_on_our_data": ["no", "opt_out_available"],
        "version": [1, 2],
    }


def test_a_save_without_change_writes_nothing(chair):
    vendor = services.vendor_create(actor=chair, data=assessment())

    services.vendor_update(actor=chair, vendor=vendor, data={"name": "Acme AI"})

    assert _events(vendor).count() == 1
    vendor.refresh_from_db()
    assert vendor.version == 1


def test_a_team_member_may_not_enter_or_edit_a_vendor(alice, chair):
    vendor = services.vendor_create(actor=chair, data=assessment())

    with pytest.raises(ActionForbidden, match="council members and the chair"):
        services.vendor_create(actor=alice, data=assessment(name="Other"))
    with pytest.raises(ActionForbidden):
        services.vendor_update(actor=alice, vendor=vendor, data={"dpa_signed": False})
    vendor.refresh_from_db()
    assert vendor.dpa_signed


def test_an_auditor_changes_nothing_even_holding_a_council_role(auditor, chair):
    RoleFactory(user=auditor, role="legal")
    vendor = services.vendor_create(actor=chair, data=assessment())
    model = AiModelFactory(vendor=vendor)

    with pytest.raises(ActionForbidden, match="Auditors"):
        services.vendor_update(actor=auditor, vendor=vendor, data={"name": "X"})
    with pytest.raises(ActionForbidden, match="Auditors"):
        services.model_create(actor=auditor, data={"name": "m", "model_type": "llm"})
    with pytest.raises(ActionForbidden, match="Auditors"):
        services.version_record(actor=auditor, model=model, data={"version": "1"})


def test_a_vendor_name_is_unique_whatever_its_case(chair):
    services.vendor_create(actor=chair, data=assessment(name="OpenAI"))

    with pytest.raises(ValidationError) as error:
        services.vendor_create(actor=chair, data=assessment(name="  openai "))

    assert "already in the inventory" in error.value.message_dict["name"][0]


def test_bad_answers_are_refused_field_by_field(chair):
    with pytest.raises(ValidationError) as error:
        services.vendor_create(
            actor=chair,
            data=assessment(
                data_residency="mars",
                certifications=["iso_27001", "made_up"],
                dpa_signed=True,
                dpa_signed_on=None,
                website="not a web address",
                next_assessment_due=timezone.localdate() - timedelta(days=60),
            ),
        )

    errors = error.value.message_dict
    assert set(errors) == {
        "data_residency",
        "certifications",
        "dpa_signed_on",
        "website",
        "next_assessment_due",
    }
    assert "made_up" in errors["certifications"][0]


def test_a_residency_elsewhere_says_where(chair):
    with pytest.raises(ValidationError) as error:
        services.vendor_create(actor=chair, data=assessment(data_residency="other"))
    assert "data_residency_detail" in error.value.message_dict


def test_the_owner_is_someone_who_may_keep_the_assessment(chair, alice):
    with pytest.raises(ValidationError) as error:
        services.vendor_create(actor=chair, data=assessment(owner=alice))
    assert "council member" in error.value.message_dict["owner"][0]

    vendor = services.vendor_create(actor=chair, data=assessment(owner=chair))
    assert vendor.owner == chair


def test_a_save_over_a_newer_one_is_refused_saying_who_changed_what(chair, council_member):
    vendor = services.vendor_create(actor=chair, data=assessment())
    services.vendor_update(
        actor=council_member, vendor=vendor, data={"dpa_signed": False, "dpa_signed_on": None}
    )

    with pytest.raises(StaleEdit) as error:
        services.vendor_update(actor=chair, vendor=vendor, data={"website": ""}, version=1)

    assert error.value.changed_fields == ["dpa_signed", "dpa_signed_on"]
    vendor.refresh_from_db()
    assert vendor.website == "https://acme.example.com"


def test_an_assessment_lapses_past_its_due_date_or_when_never_made(chair):
    today = timezone.localdate()
    current = VendorFactory(name="Current")
    overdue = VendorFactory(name="Overdue", next_assessment_due=today - timedelta(days=1))
    never = VendorFactory(name="Never", assessed_on=None, next_assessment_due=None)
    due_today = VendorFactory(name="Due today", next_assessment_due=today)

    lapsed = {v.name: v.assessment_lapsed for v in vendors_visible()}

    assert lapsed == {"Current": False, "Overdue": True, "Never": True, "Due today": False}
    assert set(vendors_lapsed(vendors_visible(), lapsed=True)) == {overdue, never}
    assert set(vendors_lapsed(vendors_visible(), lapsed=False)) == {current, due_today}


def test_the_council_enters_a_model_and_a_team_proposes_one(council_member, alice):
    vendor = VendorFactory()

    confirmed = services.model_create(
        actor=council_member,
        data={"vendor": vendor, "name": "GPT-X", "model_type": "llm", "general_purpose": True},
    )
    proposed = services.model_create(
        actor=alice, data={"vendor": None, "name": "Churn scorer", "model_type": "classifier"}
    )

    assert not confirmed.proposed
    assert proposed.proposed
    assert _events(confirmed).get().action == "created"
    assert _events(proposed).get().action == "proposed"


def test_someone_in_no_team_and_no_council_role_proposes_nothing(outsider):
    with pytest.raises(ActionForbidden, match="team or of the council"):
        services.model_create(actor=outsider, data={"name": "m", "model_type": "llm"})


def test_a_model_name_is_unique_per_vendor_and_among_in_house_models(chair):
    acme, other = VendorFactory(name="Acme"), VendorFactory(name="Other")
    services.model_create(actor=chair, data={"vendor": acme, "name": "Nova", "model_type": "llm"})
    services.model_create(actor=chair, data={"vendor": None, "name": "Nova", "model_type": "llm"})
    services.model_create(actor=chair, data={"vendor": other, "name": "Nova", "model_type": "llm"})

    for vendor in (acme, None):
        with pytest.raises(ValidationError) as error:
            services.model_create(
                actor=chair, data={"vendor": vendor, "name": "NOVA", "model_type": "llm"}
            )
        assert "name" in error.value.message_dict


def test_an_unknown_model_type_is_refused(chair):
    with pytest.raises(ValidationError) as error:
        services.model_create(actor=chair, data={"name": "m", "model_type": "oracle"})
    assert "model_type" in error.value.message_dict


def test_a_team_may_not_correct_a_model(alice, chair):
    model = AiModelFactory()
    with pytest.raises(ActionForbidden):
        services.model_update(actor=alice, model=model, data={"name": "renamed"})

    services.model_update(actor=chair, model=model, data={"general_purpose": True})
    model.refresh_from_db()
    assert model.general_purpose
    assert _events(model).get().changes == {"general_purpose": [False, True]}


def test_recording_a_version_returns_it_and_is_audited(council_member):
    model = AiModelFactory()

    version = services.version_record(
        actor=council_member, model=model, data={"version": "2026-05", "notes": "Faster."}
    )

    assert version.pk and version.model == model and not version.proposed
    assert version.recorded_by == council_member
    event = _events(version).get()
    assert event.action == "created"
    assert event.changes["model"] == [None, model.pk]


def test_a_version_is_recorded_once_per_model(chair):
    model = AiModelFactory()
    services.version_record(actor=chair, model=model, data={"version": "v2"})

    with pytest.raises(ValidationError) as error:
        services.version_record(actor=chair, model=model, data={"version": "V2"})
    assert "already has this version" in error.value.message_dict["version"][0]
    # Another model may have a version of the same name.
    services.version_record(actor=chair, model=AiModelFactory(), data={"version": "v2"})


def test_a_team_proposes_a_version_and_the_council_confirms_it(alice, chair):
    version = services.version_record(actor=alice, model=AiModelFactory(), data={"version": "3"})
    assert version.proposed

    with pytest.raises(ActionForbidden):
        services.version_confirm(actor=alice, version=version)
    services.version_confirm(actor=chair, version=version)

    version.refresh_from_db()
    assert not version.proposed
    assert [e.action for e in _events(version)] == ["proposed", "confirmed"]
    with pytest.raises(TransitionNotAllowed):
        services.version_confirm(actor=chair, version=version)


def test_the_council_confirms_a_proposed_model(alice, council_member):
    model = services.model_create(actor=alice, data={"name": "Bot", "model_type": "other"})

    services.model_confirm(actor=council_member, model=model)

    model.refresh_from_db()
    assert not model.proposed


def test_a_member_whose_role_ended_may_no_longer_keep_vendors(chair):
    former = UserFactory(username="former.member")
    today = timezone.localdate()
    RoleFactory(
        user=former,
        role="legal",
        starts_on=today - timedelta(days=90),
        ends_on=today - timedelta(days=1),
    )
    with pytest.raises(ActionForbidden):
        services.vendor_create(actor=former, data=assessment())


def test_the_council_corrects_a_version_and_a_team_may_not(chair, alice):
    version = services.version_record(actor=chair, model=AiModelFactory(), data={"version": "v1"})
    services.version_record(actor=chair, model=version.model, data={"version": "v2"})

    with pytest.raises(ActionForbidden):
        services.version_update(actor=alice, version=version, data={"notes": "x"})
    with pytest.raises(ValidationError):
        services.version_update(actor=chair, version=version, data={"version": "V2"})
    services.version_update(actor=chair, version=version, data={"version": "v1", "notes": "Fix"})

    version.refresh_from_db()
    assert version.notes == "Fix"
    assert _events(version).last().changes == {"notes": ["", "Fix"]}
