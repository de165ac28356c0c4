"""A use case goes to the council and comes back: submitting opens a review, withdrawing closes it."""

from django.contrib.auth.models import User
from django.db import transaction

from registry.selectors import deployments_running
from reviews import services as review_services
from reviews.selectors import SeatGap, review_seat_gaps
from usecases import services as usecase_services
from usecases.models import UseCase


@transaction.atomic
def usecase_submit(*, actor: User, use_case: UseCase) -> UseCase:
    """Submitting freezes a revision and opens (or reopens) the council's review of it."""
    use_case = usecase_services.usecase_submit(actor=actor, use_case=use_case)
    review_services.review_open(actor=actor, use_case=use_case)
    return usecase_services.usecase_start_review(actor=actor, use_case=use_case)


def usecase_submit_check(use_case: UseCase) -> list[SeatGap]:
    """What submitting would open with empty: the review's seats that no council member is free
    to take, say because the business owner is the only privacy member (four eyes). Submitting
    is not refused (the chair seats someone); the use case page warns before, and the page and
    the API after (`SeatGap.before_submitting`, `.once_submitted`)."""
    return review_seat_gaps(use_case)


@transaction.atomic
def usecase_withdraw(*, actor: User, use_case: UseCase, reason: str = "") -> UseCase:
    """The team withdraws its proposal; a review under way closes without an outcome."""
    in_service = list(deployments_running(use_case).values_list("reference", flat=True))
    use_case = usecase_services.usecase_withdraw(
        actor=actor, use_case=use_case, reason=reason, in_service=in_service
    )
    review_services.review_close_withdrawn(actor=actor, use_case=use_case)
    return use_case
