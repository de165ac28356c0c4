"""What reviews.services keeps beside the seats and votes: an open review's group in the
chair's pipeline (reviews.groups), through every change of its seats, votes and judged revision,
so the pipeline and the chair's home page read it from an index; and each member's load
(reviews.loads), so balancing reads one row a member. (tests/conftest.py
`kept_review_figures_agree` also checks both after every test.)
"""

import importlib

from django.apps import apps

import workflows
from reviews import services as review_services
from reviews.loads import loads_of
from reviews.models import Review, ReviewGroup, SeatLoad
from usecases import services as usecase_services
from usecases.models import UseCase

from .factories import RoleFactory, UserFactory
from .reviews_support import reviewer_for, send_back_for_changes
from .test_pipeline_page import vote_all, with_empty_cx_seat


def group_of(review) -> int:
    return Review.objects.values_list("group", flat=True).get(pk=review.pk)


def test_a_review_votes_until_every_required_role_voted_then_waits_for_the_chair(
    make_use_case, council
):
    review = make_use_case("submitted").reviews.get()
    assert group_of(review) == ReviewGroup.VOTING
    first, *others = review.required_roles
    workflows.vote_cast(actor=reviewer_for(review, first), review=review, choice="approve")
    assert group_of(review) == ReviewGroup.VOTING

    vote_all(review)

    assert Review.objects.get(pk=review.pk).state == "open"  # the checklist is not verified
    assert group_of(review) == ReviewGroup.READY


def test_an_empty_seat_awaits_assignment_until_the_chair_fills_it(make_use_case, council):
    review = with_empty_cx_seat(make_use_case)
    assert group_of(review) == ReviewGroup.AWAITING_ASSIGNMENT
    stand_in = UserFactory(username="cleo.cx")
    RoleFactory(user=stand_in, role="customer_experience")

    review_services.review_reassign(
        actor=council["chair"], review=review, role="customer_experience", reviewer=stand_in
    )

    assert group_of(review) == ReviewGroup.VOTING


def test_a_recused_reviewers_vote_no_longer_counts(make_use_case, council):
    review = make_use_case("submitted").reviews.get()
    stand_in = UserFactory(username="pat.privacy")
    RoleFactory(user=stand_in, role="privacy")
    vote_all(review)
    assert group_of(review) == ReviewGroup.READY

    workflows.review_recuse(actor=reviewer_for(review, "privacy"), review=review, reason="Conflict")

    assert group_of(review) == ReviewGroup.VOTING  # pat took the seat and has not voted


def test_a_new_revision_is_voted_on_again(make_use_case, council, alice):
    review = make_use_case("submitted").reviews.get()
    send_back_for_changes(review)
    use_case = UseCase.objects.get(pk=review.use_case_id)
    usecase_services.usecase_update(
        actor=alice, use_case=use_case, data={"customer_facing": False, "customer_disclosure": ""}
    )

    workflows.usecase_submit(actor=alice, use_case=use_case)

    assert Review.objects.get(pk=review.pk).revision == 2
    assert group_of(review) == ReviewGroup.VOTING


def test_the_migration_places_every_existing_review_as_its_seats_and_votes_do(
    make_use_case, council
):
    ready = make_use_case("submitted").reviews.get()
    vote_all(ready)
    awaiting = with_empty_cx_seat(make_use_case)
    voting = make_use_case("submitted").reviews.get()
    Review.objects.update(group=ReviewGroup.AWAITING_ASSIGNMENT)  # as the new column's default

    migration = importlib.import_module("reviews.migrations.0013_review_group")
    migration.place_reviews(apps, None)

    assert [group_of(r) for r in (ready, awaiting, voting)] == [
        ReviewGroup.READY,
        ReviewGroup.AWAITING_ASSIGNMENT,
        ReviewGroup.VOTING,
    ]


# ---- members' loads (reviews.loads) -------------------------------------------------------------


def load_of(user) -> int:
    return loads_of([user.pk]).get(user.pk, 0)


def test_a_seat_weighs_on_its_member_until_the_review_is_decided_and_again_when_reopened(
    make_use_case, council, alice
):
    review = make_use_case("submitted").reviews.get()
    legal = reviewer_for(review, "legal")
    assert load_of(legal) == 1

    send_back_for_changes(review)  # decided: changes requested
    assert load_of(legal) == 0

    use_case = UseCase.objects.get(pk=review.use_case_id)
    usecase_services.usecase_update(
        actor=alice, use_case=use_case, data={"customer_facing": False, "customer_disclosure": ""}
    )
    workflows.usecase_submit(actor=alice, use_case=use_case)
    assert load_of(legal) == 1


def test_a_recusal_moves_the_load_to_the_member_who_takes_the_seat(make_use_case, council):
    review = make_use_case("submitted").reviews.get()
    privacy = reviewer_for(review, "privacy")
    stand_in = UserFactory(username="pat.privacy")
    RoleFactory(user=stand_in, role="privacy")

    workflows.review_recuse(actor=privacy, review=review, reason="Conflict")

    assert (load_of(privacy), load_of(stand_in)) == (0, 1)


def test_the_least_loaded_member_takes_the_next_seat(make_use_case, council):
    busy = reviewer_for(make_use_case("submitted").reviews.get(), "legal")
    spare = UserFactory(username="lena.legal")
    RoleFactory(user=spare, role="legal")

    review = make_use_case("submitted").reviews.get()

    assert reviewer_for(review, "legal") == spare
    assert (load_of(busy), load_of(spare)) == (1, 1)


def test_the_migration_counts_every_load_from_the_seats(make_use_case, council):
    review = make_use_case("submitted").reviews.get()
    SeatLoad.objects.all().delete()

    migration = importlib.import_module("reviews.migrations.0014_seat_load")
    migration.count_loads(apps, None)

    assert load_of(reviewer_for(review, "privacy")) == 1
