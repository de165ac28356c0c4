from django.core.management.base import BaseCommand

from reviews.models import Review, ReviewState
from reviews.services import review_seat_verifiers


class Command(BaseCommand):
    help = (
        "Seat a verifier on every open review for each role whose checklist items apply but "
        "which does not vote (run once after upgrading: reviews opened before had none)."
    )

    def handle(self, *args, **options):
        # One transaction per review: a review locked by a reviewer's vote waits for it alone.
        reviews = Review.objects.filter(state=ReviewState.OPEN).order_by("opened_at")
        for review in reviews:
            before = review.assignments.filter(voting=False, recused=False).count()
            review_seat_verifiers(actor=None, review=review)
            after = review.assignments.filter(voting=False, recused=False).count()
            self.stdout.write(f"{review.use_case.reference}: {after - before} verifier(s) seated.")
