"""The steps that cross apps: each one calls the services of every app it moves, in one transaction.

An app's services write that app's own tables (with their audit events and notifications) and
return what happened; when that asks something of another app, a workflow here does it before the
transaction commits. So a vote that decides a review also moves the use case, its registry
entries and the people to tell, or none of it happens:

    page or API  ->  workflows.vote_cast  ->  reviews.services.vote_cast  (RecordedWithDecision: decided?)
                                          ->  usecases.services.usecase_record_decision
                                          ->  registry.services.deployments_apply_review
                                          ->  reviews.notifications.notify_decision (e-mail on commit)

Pages, the API, tasks and commands call these functions instead of the services they wrap. Every
function keeps the signature and the return value of the service it wraps.
"""

from .imports import registry_import_check, registry_import_run
from .intake import usecase_submit, usecase_submit_check, usecase_withdraw
from .inventory import (
    FanOut,
    model_version_record,
    model_version_roll_out,
    vendor_lapse_sweep,
    vendor_update,
)
from .registry import (
    complaint_receive,
    deployment_change_stage,
    deployment_create,
    deployment_update,
    incident_report,
    rereview_sweep,
)
from .review import checklist_verify, decision_record_by_chair, review_recuse, vote_cast

__all__ = [
    "FanOut",
    "checklist_verify",
    "complaint_receive",
    "decision_record_by_chair",
    "deployment_change_stage",
    "deployment_create",
    "deployment_update",
    "incident_report",
    "model_version_record",
    "model_version_roll_out",
    "registry_import_check",
    "registry_import_run",
    "rereview_sweep",
    "review_recuse",
    "usecase_submit",
    "usecase_submit_check",
    "usecase_withdraw",
    "vendor_lapse_sweep",
    "vendor_update",
    "vote_cast",
]
