"""The registry's import (SPEC section 11): each row of an existing inventory becomes a legacy
use case, its registry entry and the council's first review of it, in one transaction for the
whole file. Rows imported before (the same key) are left as they are, so importing a file twice
changes nothing."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from common.errors import TransitionNotAllowed, refuse
from inventory import services as inventory_services
from inventory.models import ModelVersion
from registry import services as registry_services
from registry.imports import ImportRow, RowStatus, import_rows
from registry.models import ImportStatus, RegistryImport
from registry.selectors import registry_import_refusal
from reviews import services as review_services
from reviews.notifications import notify_legacy_reviews
from usecases import services as usecase_services
from usecases.obligations import active_catalogue
from usecases.risk import Obligation


def registry_import_check(*, actor: User, upload: "UploadedFile[bytes]") -> RegistryImport:
    """The dry run: keep the file and report every row (registry.services)."""
    return registry_services.registry_import_check(actor=actor, upload=upload)


@transaction.atomic
def registry_import_run(*, actor: User, registry_import: RegistryImport) -> RegistryImport:
    """Import a checked file (or one handed to the background: `registry.tasks`): all its new
    rows, or nothing when a row is wrong (the file is read again: people, teams or entries may
    have changed since the check)."""
    refuse(registry_import_refusal(user=actor))
    # Without the check's report: this run writes its own, row by row.
    registry_import = (
        RegistryImport.objects.select_for_update().defer("report").get(pk=registry_import.pk)
    )
    if registry_import.status == ImportStatus.IMPORTED:
        raise TransitionNotAllowed(f"{registry_import} is imported already.")
    source = f"import {registry_import.pk} of {registry_import.original_name}"
    reviews = review_services.LegacyReviews(actor=actor)
    catalogue = active_catalogue()
    known: dict[tuple, list[ModelVersion]] = {}  # the inventory's versions, by the row's names
    reports, errors = [], []
    with registry_import.file.open("rb") as file:
        for row in import_rows(file, name=registry_import.original_name):
            if row.status == RowStatus.ERROR:
                errors.append(row.report())
            elif not errors and row.status == RowStatus.VALID:
                reports.append(
                    _import_row(
                        actor=actor,
                        row=row,
                        source=source,
                        reviews=reviews,
                        known=known,
                        catalogue=catalogue,
                    )
                )
            else:
                reports.append(row.report())
    if errors:
        count = f"{len(errors)} row has" if len(errors) == 1 else f"{len(errors)} rows have"
        raise ValidationError(
            {"file": [f"{count} errors now: check the file again, put them right and import it."]}
        )
    notify_legacy_reviews(import_id=registry_import.pk, seats=dict(reviews.seats), label=source)
    return registry_services.registry_import_done(
        actor=actor, registry_import=registry_import, rows=reports
    )


def _import_row(
    *,
    actor: User,
    row: ImportRow,
    source: str,
    reviews: review_services.LegacyReviews,
    known: dict[tuple, list[ModelVersion]],
    catalogue: list[Obligation],
) -> dict:
    names = tuple(sorted((k, v.lower()) for k, v in row.inventory.items()))
    if names not in known:
        known[names] = inventory_services.versions_for_import(actor=actor, names=row.inventory)
    versions = known[names]
    use_case = usecase_services.usecase_import_legacy(
        actor=actor,
        answers=row.answers,
        versions=versions,
        source=f"{source}, row {row.number}",
        catalogue=catalogue,
    )
    review = reviews.open(
        use_case=use_case,
        reason=f"In service before the council reviewed it ({source}, row {row.number}).",
    )
    deployment = registry_services.deployment_import_legacy(
        actor=actor, use_case=use_case, row=row, versions=versions, review=review
    )
    return row.report(status=RowStatus.CREATED, reference=deployment.reference)
