"""The benchmark's dataset builder (`bench/dataset.py`, issue 14): the demo grown in bulk to a
given size keeps a coherent organisation (every copied row points to its own copy's rows, the
seats go to more council members) and a verifiable audit chain."""

from io import StringIO

from django.core.management import call_command
from django.db.models import F

from audit.models import AuditEvent
from audit.services import verify_chain
from bench import dataset
from council.models import RoleAssignment
from registry.models import Deployment
from reviews.models import Assignment, Review, Vote
from usecases.models import UseCase

from .reviews_support import reload_default_review_data


def test_the_builder_copies_the_demo_with_its_rows_and_keeps_the_chain_intact(db):
    reload_default_review_data()
    call_command("seed_demo", stdout=StringIO())
    demo = {model: model.objects.count() for model in (UseCase, Review, Deployment, AuditEvent)}
    holders = RoleAssignment.objects.exclude(role="auditor").count()

    sizes = dataset.build(demo[UseCase] + 250, log=lambda line: None)

    assert sizes["use cases"] == demo[UseCase] + 250
    assert sizes["audit events"] == demo[AuditEvent] + 250 * dataset.AUDIT_EVENTS_PER_COPY
    assert sizes["registry entries"] > demo[Deployment] + 250 // 3  # deployed ones weigh more
    copies = UseCase.objects.filter(reference__startswith="UC-B")
    # Each copy's reviews, votes and entries hang from the copy, never from a template.
    assert (
        not Review.objects.filter(use_case__in=copies)
        .exclude(use_case__reference__startswith="UC-B")
        .exists()
    )
    assert (
        Vote.objects.filter(review__use_case__in=copies).count()
        > Vote.objects.exclude(review__use_case__in=copies).count()
    )
    assert (
        not Deployment.objects.filter(use_case__in=copies, approval__isnull=False)
        .exclude(approval__use_case=F("use_case"))
        .exists()
    )
    # Two hundred and fifty use cases: two more holders of each council role took the seats.
    assert RoleAssignment.objects.exclude(role="auditor").count() == holders * 3
    assert not Assignment.objects.filter(
        review__use_case__in=copies, reviewer__username__startswith="council."
    ).exists()
    assert list(verify_chain()) == []
