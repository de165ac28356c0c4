"""Filters of the review and condition lists (SPEC section 11)."""

import django_filters

from common.api import IdFilter

from .models import Assignment, Condition, ConditionStatus, Outcome, Review, ReviewState


class ReviewFilter(django_filters.FilterSet):
    use_case = IdFilter(field_name="use_case_id")
    state = django_filters.ChoiceFilter(choices=ReviewState.choices)
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    reviewer = IdFilter(method="with_active_reviewer", label="Reviewer with an active assignment")

    class Meta:
        model = Review
        fields = ["use_case", "state", "outcome", "reviewer"]

    def with_active_reviewer(self, queryset, name, value):
        # A subquery rather than a join: a reviewer holding two roles must not double the row.
        mine = Assignment.objects.filter(reviewer_id=value, recused=False).values("review_id")
        return queryset.filter(pk__in=mine)


class ConditionFilter(django_filters.FilterSet):
    review = IdFilter(field_name="review_id")
    use_case = IdFilter(field_name="review__use_case_id")
    status = django_filters.ChoiceFilter(choices=ConditionStatus.choices)
    blocking = django_filters.BooleanFilter()

    class Meta:
        model = Condition
        fields = ["review", "use_case", "status", "blocking"]
