"""Every write of the inventory: atomic, permission-checked, audited (SPEC sections 7 and 11).

Bad input raises ValidationError with a message per field ({field: [messages]}): the pages show
it next to the field, the API answers 400.
"""

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from audit.selectors import stale_edit_refusal
from audit.services import audit_record, field_changes
from common.errors import refuse
from common.limits import LIST_MAX, NAME_MAX, date_in_range

from .choices import Certification, DataResidency
from .models import AiModel, ModelVersion, Vendor
from .selectors import (
    confirm_refusal,
    model_edit_refusal,
    proposal_refusal,
    records_as_proposal,
    vendor_create_refusal,
    vendor_edit_refusal,
    vendor_lapsed,
    vendor_owner_ineligibility,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

VENDOR_FIELDS = (
    "name", "website", "owner", "dpa_signed", "dpa_signed_on", "sub_processors",
    "data_residency", "data_residency_detail", "trains_on_our_data", "certifications",
    "security_review", "security_reviewed_on", "assessed_on", "next_assessment_due",
)  # fmt: skip
MODEL_FIELDS = ("vendor", "name", "model_type", "general_purpose", "model_card_url")
VERSION_FIELDS = ("version", "notes", "released_on")
DATE_FIELDS = ("dpa_signed_on", "security_reviewed_on", "assessed_on", "next_assessment_due",
               "released_on")  # fmt: skip

NAME_TAKEN = _("A vendor of this name is already in the inventory (names are matched in any case).")
MODEL_TAKEN = _("This vendor already has a model of this name.")
IN_HOUSE_MODEL_TAKEN = _("An in-house model of this name is already in the inventory.")
VERSION_TAKEN = _("This model already has this version.")

Record = TypeVar("Record", bound=models.Model)
Errors = dict[str, list["StrOrPromise"]]


# --- vendors --------------------------------------------------------------------------------------


@transaction.atomic
def vendor_create(*, actor: User, data: Mapping[str, Any]) -> Vendor:
    """Enter a vendor and its assessment (the council)."""
    refuse(vendor_create_refusal(user=actor))
    vendor = Vendor()
    _apply(vendor, data, VENDOR_FIELDS)
    _check(vendor, _vendor_errors(vendor))
    _save_unique(vendor, "name", NAME_TAKEN)
    audit_record(
        actor=actor,
        action="created",
        obj=vendor,
        object_ref=vendor.name,
        changes=field_changes({}, _snapshot(vendor, VENDOR_FIELDS)),
    )
    return vendor


@transaction.atomic
def vendor_update(
    *, actor: User, vendor: Vendor, data: Mapping[str, Any], version: int | None = None
) -> Vendor:
    """Change a vendor or its assessment (the council, never a team).

    `version`: the one the form or client read (None: not checked); when someone saved the
    vendor since, StaleEdit says who, when and which answers, and nothing is saved."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    refuse(vendor_edit_refusal(user=actor))
    # Checked under the row lock taken above, so two saves of one version cannot both pass.
    refuse(
        stale_edit_refusal(
            vendor,
            read_version=version,
            current_version=vendor.version,
            noun=gettext_noop("vendor"),
            fields=VENDOR_FIELDS,
        )
    )
    before = _snapshot(vendor, VENDOR_FIELDS)
    _apply(vendor, data, VENDOR_FIELDS)
    _check(vendor, _vendor_errors(vendor))
    changes = field_changes(before, _snapshot(vendor, VENDOR_FIELDS))
    if not changes:
        return vendor
    vendor.version += 1
    _save_unique(vendor, "name", NAME_TAKEN)
    renewed = vendor.lapse_reviews_opened and not vendor_lapsed(vendor)
    if renewed:  # a later lapse opens reviews again
        Vendor.objects.filter(pk=vendor.pk).update(lapse_reviews_opened=False)
        vendor.lapse_reviews_opened = False
    audit_record(
        actor=actor,
        action="changed",
        obj=vendor,
        object_ref=vendor.name,
        changes=changes
        | {"version": [vendor.version - 1, vendor.version]}
        | ({"lapse_reviews_opened": [True, False]} if renewed else {}),
    )
    return vendor


def _vendor_errors(vendor: Vendor) -> Errors:
    errors: Errors = {}
    if not vendor.name:
        errors["name"] = [gettext("Give the vendor's name.")]
    elif _others(vendor, Vendor.objects.filter(name__iexact=vendor.name)).exists():
        errors["name"] = [NAME_TAKEN]
    _add(errors, "sub_processors", _names_problem(vendor.sub_processors))
    _add(errors, "certifications", _choices_problem(vendor.certifications, Certification))
    if vendor.data_residency == DataResidency.OTHER and not vendor.data_residency_detail:
        errors["data_residency_detail"] = [gettext("Say where the data is kept.")]
    if vendor.dpa_signed_on is not None and not vendor.dpa_signed:
        errors["dpa_signed_on"] = [
            gettext("Tick that the agreement is signed, or leave the day empty.")
        ]
    if vendor.dpa_signed and vendor.dpa_signed_on is None:
        errors["dpa_signed_on"] = [gettext("Give the day the agreement was signed.")]
    if vendor.assessed_on is not None and vendor.next_assessment_due is None:
        errors["next_assessment_due"] = [gettext("Give the day the next assessment is due.")]
    if (
        vendor.assessed_on is not None
        and vendor.next_assessment_due is not None
        and vendor.next_assessment_due <= vendor.assessed_on
    ):
        errors["next_assessment_due"] = [gettext("The next assessment is due after this one.")]
    if vendor.owner is not None:
        _add(errors, "owner", vendor_owner_ineligibility(vendor.owner))
    return errors


# --- models ---------------------------------------------------------------------------------------


@transaction.atomic
def model_create(*, actor: User, data: Mapping[str, Any]) -> AiModel:
    """Enter a model: the council's is in the inventory at once; a team's is proposed, for the
    council to confirm."""
    refuse(proposal_refusal(user=actor))
    model = AiModel(recorded_by=actor, proposed=records_as_proposal(actor))
    _apply(model, data, MODEL_FIELDS)
    _check(model, _model_errors(model))
    _save_unique(model, "name", _model_taken(model))
    audit_record(
        actor=actor,
        action="proposed" if model.proposed else "created",
        obj=model,
        object_ref=str(model),
        changes=field_changes({}, _snapshot(model, (*MODEL_FIELDS, "proposed"))),
    )
    return model


@transaction.atomic
def model_update(*, actor: User, model: AiModel, data: Mapping[str, Any]) -> AiModel:
    """Correct a model's facts (the council)."""
    model = AiModel.objects.select_for_update().get(pk=model.pk)
    refuse(model_edit_refusal(user=actor))
    before = _snapshot(model, MODEL_FIELDS)
    _apply(model, data, MODEL_FIELDS)
    _check(model, _model_errors(model))
    changes = field_changes(before, _snapshot(model, MODEL_FIELDS))
    if changes:
        _save_unique(model, "name", _model_taken(model))
        audit_record(
            actor=actor, action="changed", obj=model, object_ref=str(model), changes=changes
        )
    return model


@transaction.atomic
def model_confirm(*, actor: User, model: AiModel) -> AiModel:
    """The council takes a model a team proposed into the inventory."""
    model = (
        AiModel.objects.select_for_update(of=("self",)).select_related("vendor").get(pk=model.pk)
    )
    refuse(confirm_refusal(user=actor, record=model))
    model.proposed = False
    model.save(update_fields=["proposed"])
    audit_record(
        actor=actor,
        action="confirmed",
        obj=model,
        object_ref=str(model),
        changes={"proposed": [True, False]},
    )
    return model


def _model_errors(model: AiModel) -> Errors:
    errors: Errors = {}
    if not model.name:
        errors["name"] = [gettext("Give the model's name.")]
    elif _others(model, _same_name_models(model)).exists():
        errors["name"] = [_model_taken(model)]
    return errors


def _same_name_models(model: AiModel) -> models.QuerySet[AiModel]:
    return AiModel.objects.filter(vendor=model.vendor, name__iexact=model.name)


def _model_taken(model: AiModel) -> "StrOrPromise":
    return MODEL_TAKEN if model.vendor_id else IN_HOUSE_MODEL_TAKEN


# --- versions -------------------------------------------------------------------------------------


@transaction.atomic
def version_record(*, actor: User, model: AiModel, data: Mapping[str, Any]) -> ModelVersion:
    """Record a new version of a model: the council's is recorded at once, a team's is proposed.

    Returns the new version: the step that opens a change review for every deployment using
    the model builds on it (SPEC section 11)."""
    # Locks the model, so that two people recording the same version wait for each other.
    model = (
        AiModel.objects.select_for_update(of=("self",)).select_related("vendor").get(pk=model.pk)
    )
    refuse(proposal_refusal(user=actor))
    version = ModelVersion(
        model=model,
        recorded_by=actor,
        recorded_at=timezone.now(),
        proposed=records_as_proposal(actor),
    )
    _apply(version, data, VERSION_FIELDS)
    _check(version, _version_errors(version))
    _save_unique(version, "version", VERSION_TAKEN)
    audit_record(
        actor=actor,
        action="proposed" if version.proposed else "created",
        obj=version,
        object_ref=str(version),
        changes=field_changes(
            {}, {"model": model.pk, **_snapshot(version, (*VERSION_FIELDS, "proposed"))}
        ),
    )
    return version


@transaction.atomic
def version_confirm(*, actor: User, version: ModelVersion) -> ModelVersion:
    """The council confirms a version a team proposed."""
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    refuse(confirm_refusal(user=actor, record=version))
    version.proposed = False
    version.save(update_fields=["proposed"])
    audit_record(
        actor=actor,
        action="confirmed",
        obj=version,
        object_ref=str(version),
        changes={"proposed": [True, False]},
    )
    return version


@transaction.atomic
def version_update(*, actor: User, version: ModelVersion, data: Mapping[str, Any]) -> ModelVersion:
    """Correct a version's name, notes or release day (the council)."""
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    refuse(model_edit_refusal(user=actor))
    before = _snapshot(version, VERSION_FIELDS)
    _apply(version, data, VERSION_FIELDS)
    _check(version, _version_errors(version))
    changes = field_changes(before, _snapshot(version, VERSION_FIELDS))
    if changes:
        _save_unique(version, "version", VERSION_TAKEN)
        audit_record(
            actor=actor, action="changed", obj=version, object_ref=str(version), changes=changes
        )
    return version


def _version_errors(version: ModelVersion) -> Errors:
    errors: Errors = {}
    same = ModelVersion.objects.filter(model_id=version.model_id, version__iexact=version.version)
    if not version.version:
        errors["version"] = [gettext("Give the version, as its vendor names it.")]
    elif _others(version, same).exists():
        errors["version"] = [VERSION_TAKEN]
    return errors


# --- shared ---------------------------------------------------------------------------------------


def _apply(record: models.Model, data: Mapping[str, Any], fields: Iterable[str]) -> None:
    """Copy the given fields of `data` onto the record, text (and lists of names) trimmed."""
    for name in fields:
        if name in data:
            setattr(record, name, _trimmed(data[name]))


def _trimmed(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_trimmed(item) for item in value]
    return value


def _snapshot(record: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The fields as the audit trail records them (foreign keys as their ids)."""
    snapshot = {}
    for name in fields:
        field = record._meta.get_field(name)
        snapshot[name] = getattr(record, field.attname if isinstance(field, models.Field) else name)
    return snapshot


def _check(record: models.Model, errors: Errors) -> None:
    """Raise every problem of the record at once: the model's own checks (lengths, choices,
    addresses) and the rules of `errors`."""
    try:
        record.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    for name in DATE_FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            _add(errors, name, _date_problem(value))
    if errors:
        raise ValidationError(errors)


def _date_problem(value: Any) -> str | None:
    try:
        date_in_range(value)
    except ValidationError as error:
        return error.messages[0]
    return None


def _save_unique(record: Record, field: str, taken: "StrOrPromise") -> Record:
    """Save; a twin saved at the same moment by someone else is the field's error, not a fault."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as error:
        raise ValidationError({field: [taken]}) from error
    return record


def _others(record: Record, same: models.QuerySet[Record]) -> models.QuerySet[Record]:
    return same.exclude(pk=record.pk) if record.pk else same


def _add(errors: Errors, field: str, problem: str | None) -> None:
    if problem:
        errors.setdefault(field, []).append(problem)


def _names_problem(names: Any) -> str | None:
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return gettext("Give a list of names.")
    if len(names) > LIST_MAX:
        return gettext("Give at most %(max)d names.") % {"max": LIST_MAX}
    if any(not name.strip() or len(name) > NAME_MAX for name in names):
        return gettext("Each name has 1 to %(max)d characters.") % {"max": NAME_MAX}
    return None


def _choices_problem(values: Any, choices: type[models.TextChoices]) -> str | None:
    if not isinstance(values, list):
        return gettext("Give a list.")
    unknown = [value for value in values if value not in choices.values]
    if unknown:
        return gettext("Not a choice here: %(values)s.") % {"values": ", ".join(map(str, unknown))}
    if len(set(values)) != len(values):
        return gettext("Give each one once.")
    return None


def version_rolled_out_record(
    *, actor: User, version: ModelVersion, entries: list[dict[str, Any]]
) -> None:
    """The fan-out as one event on the version: each entry it reached, its team and the change
    review now judging it (each entry's own change is audited on the entry)."""
    audit_record(
        actor=actor,
        action="rolled_out",
        obj=version,
        object_ref=str(version),
        changes={"entries": [None, entries]},
    )


def vendor_change_fanned_out_record(
    *,
    actor: User | None,
    vendor: Vendor,
    reason: str,
    entries: list[dict[str, Any]],
    lapse: bool = False,
) -> None:
    """A vendor change's fan-out as one event on the vendor: why, each entry it reached, its team
    and the change review now judging it. A lapse's fan-out marks the vendor, so that one lapse
    opens reviews once (renewing the assessment clears the mark: `vendor_update`)."""
    if lapse:
        vendor.lapse_reviews_opened = True
        vendor.save(update_fields=["lapse_reviews_opened", "updated_at"])
    audit_record(
        actor=actor,
        action="vendor_change_fanned_out",
        obj=vendor,
        object_ref=vendor.name,
        changes={"reason": [None, reason], "entries": [None, entries]}
        | ({"lapse_reviews_opened": [False, True]} if lapse else {}),
    )


def sub_processors_added_reason(vendor: Vendor, added: list[str]) -> str:
    return f"New sub-processor of {vendor.name}: {', '.join(added)}"


def lapse_reason(vendor: Vendor) -> str:
    return f"The assessment of {vendor.name} lapsed on {vendor.next_assessment_due:%d %b %Y}"


# --- import ---------------------------------------------------------------------------------------


def versions_for_import(*, actor: User, names: Mapping[str, str]) -> list[ModelVersion]:
    """The version an imported row names ({vendor, model, model_type, model_version}), matched
    in any case or entered when new (the chair imports: entered, not proposed). A vendor entered
    here has no assessment yet, so it shows as lapsed until the council assesses it."""
    vendor = _vendor_for_import(actor=actor, name=names.get("vendor", ""))
    if not names.get("model"):
        return []
    model = AiModel.objects.filter(
        vendor=vendor, name__iexact=names["model"]
    ).first() or model_create(
        actor=actor,
        data={"vendor": vendor, "name": names["model"], "model_type": names["model_type"]},
    )
    if not names.get("model_version"):
        return []
    version = (
        ModelVersion.objects.select_related("model")
        .filter(model=model, version__iexact=names["model_version"])
        .first()
    ) or version_record(actor=actor, model=model, data={"version": names["model_version"]})
    return [version]


def _vendor_for_import(*, actor: User, name: str) -> Vendor | None:
    if not name:
        return None
    return Vendor.objects.filter(name__iexact=name).first() or vendor_create(
        actor=actor, data={"name": name}
    )
