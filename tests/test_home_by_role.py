"""The home page tells each person what waits for them in each role they hold, soonest due
first, each thing a link; nobody sees another person's work; "Nothing is waiting for you" only
when nothing waits."""

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import workflows
from audit.services import audit_record
from demo import scenarios
from oversight import selectors as oversight_selectors
from reviews import services
from reviews.models import Review
from reviews.selectors import applicable_items

from .factories import MembershipFactory
from .reviews_support import EVIDENCE, item_of, kept_again, reviewer_for

NOTHING = "Nothing is waiting for you."


def home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def kind(page: str, key: str) -> str:
    """The part of the page listing one kind of waiting thing ('' when it is not shown)."""
    start = page.find(f'id="waiting-{key}"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


def count_of(section: str) -> int:
    return int(re.search(r'class="counts__n">(\d+)<', section).group(1))


def links(section: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', section)


def due_in(review, days):
    Review.objects.filter(pk=review.pk).update(due_date=timezone.localdate() + timedelta(days=days))


# ---- reviewers -----------------------------------------------------------------------------------


def test_a_reviewer_sees_the_votes_to_cast_until_they_vote(login, review):
    privacy = reviewer_for(review, "privacy")
    client = login(privacy)
    votes = kind(home(client), "votes")
    assert review.use_case.reference in votes and count_of(votes) == 1
    assert links(votes) == [f"/reviews/{review.pk}/#vote-form"]
    assert NOTHING not in home(client)
    workflows.vote_cast(actor=privacy, review=review, choice="approve")
    assert kind(home(client), "votes") == ""


def test_a_reviewer_sees_the_answers_to_verify_of_their_role_only(login, review, alice):
    for role in ("privacy", "privacy", "legal"):
        item = next(
            i
            for i in applicable_items(review)
            if i.role == role and not review.answers.filter(item=i).exists()
        )
        services.checklist_answer(
            actor=alice, review=review, item_id=item.pk, answer="yes", evidence=EVIDENCE
        )
    verify = kind(home(login(reviewer_for(review, "privacy"))), "verify")
    assert "2 answers to verify" in verify and links(verify) == [f"/reviews/{review.pk}/#checklist"]
    assert "1 answer to verify" in kind(home(login(reviewer_for(review, "legal"))), "verify")
    assert kind(home(login(reviewer_for(review, "data_science"))), "verify") == ""


def test_votes_are_listed_soonest_due_first_with_the_overdue_marked(login, make_use_case, council):
    later, sooner, overdue = (make_use_case("submitted").reviews.get() for _ in range(3))
    due_in(later, 9)
    due_in(sooner, 2)
    due_in(overdue, -1)
    votes = kind(home(login(reviewer_for(later, "legal"))), "votes")
    assert count_of(votes) == 3
    order = [votes.index(r.use_case.reference) for r in (overdue, sooner, later)]
    assert order == sorted(order)
    assert votes.count("Overdue") == 1


# ---- the chair -----------------------------------------------------------------------------------


def test_the_chair_sees_a_proposed_rejection_waiting_for_them(login, review, council):
    scenarios.cast_votes(review, choices={"legal": "reject"}, reasons="Unlawful")
    decisions = kind(home(login(council["chair"])), "decisions")
    assert review.use_case.reference in decisions and "Rejection proposed" in decisions
    assert links(decisions) == [f"/reviews/{review.pk}/#chair"]
    # Not the reviewers' business:
    assert kind(home(login(reviewer_for(review, "legal"))), "decisions") == ""


def test_a_reviewer_sees_the_soonest_votes_and_answers_and_how_many_more_there_are(
    login, make_use_case, council, alice, monkeypatch
):
    monkeypatch.setattr(oversight_selectors, "HOME_SHOWN_PER_KIND", 2)
    reviews = [make_use_case("submitted").reviews.get() for _ in range(4)]
    for days, review in zip((5, 2, 4, 3), reviews, strict=True):
        due_in(review, days)
        item = item_of(review, "legal")
        services.checklist_answer(
            actor=alice, review=review, item_id=item.pk, answer="yes", evidence=EVIDENCE
        )
    page = home(login(reviewer_for(reviews[0], "legal")))

    soonest = [reviews[1].use_case.reference, reviews[3].use_case.reference]
    for key in ("votes", "verify"):
        section = kind(page, key)
        assert count_of(section) == 4
        assert "and 2 more" in section
        shown = [r.use_case.reference for r in reviews if r.use_case.reference in section]
        assert sorted(shown) == sorted(soonest)
        assert section.index(soonest[0]) < section.index(soonest[1])


def test_the_chair_sees_an_empty_seat_and_a_review_past_its_due_date(login, make_use_case, council):
    empty, late, on_time = (make_use_case("submitted").reviews.get() for _ in range(3))
    empty.assignments.filter(role="legal").update(recused=True)
    kept_again(empty)
    due_in(late, -2)
    workflows.vote_cast(actor=reviewer_for(late, "privacy"), review=late, choice="approve")
    stuck = kind(home(login(council["chair"])), "stuck")
    assert count_of(stuck) == 2
    assert "No reviewer for Legal" in stuck
    assert "Marketing (mia.marketing)" in stuck and "Privacy (" not in stuck
    assert on_time.use_case.reference not in stuck
    assert stuck.index(late.use_case.reference) < stuck.index(empty.use_case.reference)


def test_the_chair_sees_the_soonest_stuck_reviews_and_how_many_more_there_are(
    login, make_use_case, council, monkeypatch
):
    monkeypatch.setattr(oversight_selectors, "HOME_SHOWN_PER_KIND", 2)
    reviews = [make_use_case("submitted").reviews.get() for _ in range(4)]
    for days, review in zip((-1, -4, -2, -3), reviews, strict=True):
        review.assignments.filter(role="legal").update(recused=True)
        kept_again(review)
        due_in(review, days)

    stuck = kind(home(login(council["chair"])), "stuck")

    assert count_of(stuck) == 4
    assert "and 2 more" in stuck
    shown = [r.use_case.reference for r in reviews if r.use_case.reference in stuck]
    assert shown == [reviews[1].use_case.reference, reviews[3].use_case.reference]  # most late

    # Past the home page's cap the count stops and says so.
    monkeypatch.setattr(oversight_selectors, "HOME_COUNT_CAP", 3)
    stuck = kind(home(login(council["chair"])), "stuck")
    assert 'class="counts__n">3+<' in stuck
    assert "and 1+ more" in stuck


def test_the_chair_is_not_asked_to_decide_what_four_eyes_keeps_them_from(
    login, make_use_case, council, marketing
):
    review = make_use_case("submitted").reviews.get()
    MembershipFactory(user=council["chair"], team=marketing)
    scenarios.cast_votes(review, choices={"legal": "reject"}, reasons="Unlawful")
    assert kind(home(login(council["chair"])), "decisions") == ""


# ---- the team ------------------------------------------------------------------------------------


def test_the_team_sees_a_question_until_someone_of_the_team_replies(
    login, review, alice, bob, owner, charlie
):
    legal = reviewer_for(review, "legal")
    question = services.comment_add(
        actor=legal, review=review, body="Which DPA covers it?", is_question=True
    )
    for person in (alice, owner):
        questions = kind(home(login(person)), "questions")
        assert "Which DPA covers it?" in questions
        assert links(questions) == [f"/reviews/{review.pk}/#comment-{question.pk}"]
    assert kind(home(login(charlie)), "questions") == ""  # another team
    services.comment_add(actor=legal, review=review, body="Any news?")  # not an answer
    assert kind(home(login(alice)), "questions") != ""
    services.comment_add(actor=bob, review=review, body="The vendor DPA of May.")
    assert kind(home(login(alice)), "questions") == ""


def test_the_team_sees_its_rejected_answers(login, review, alice):
    item = item_of(review, "privacy")
    services.checklist_answer(
        actor=alice, review=review, item_id=item.pk, answer="yes", evidence=EVIDENCE
    )
    workflows.checklist_verify(
        actor=reviewer_for(review, "privacy"),
        review=review,
        item_id=item.pk,
        verdict="rejected",
        comment="No DPIA",
    )
    rejected = kind(home(login(alice)), "rejected")
    assert f"1 answer rejected: {item.code}" in rejected
    assert links(rejected) == [f"/reviews/{review.pk}/#checklist"]


def test_the_team_sees_open_conditions_soonest_first_until_met(login, review, alice):
    today = timezone.localdate()
    scenarios.approve(
        review,
        answered_by=alice,
        conditions=[
            {"text": "Publish the notice", "blocking": False, "due_date": today + timedelta(9)},
            {"text": "Run a bias test", "blocking": True, "due_date": today + timedelta(3)},
        ],
    )
    conditions = kind(home(login(alice)), "conditions")
    assert count_of(conditions) == 2
    assert conditions.index("Run a bias test") < conditions.index("Publish the notice")
    assert "Blocks go-live: Run a bias test" in conditions
    for condition in review.conditions.all():
        services.condition_meet(actor=alice, condition=condition, evidence="Done")
    assert kind(home(login(alice)), "conditions") == ""


# ---- owners and auditors -------------------------------------------------------------------------


def test_owners_and_auditors_see_overdue_rereviews(login, entry, owner, alice, auditor, charlie):
    type(entry).objects.filter(pk=entry.pk).update(
        next_review_due=timezone.localdate() - timedelta(days=3)
    )
    url = reverse("registry:detail", args=[entry.pk])
    for person in (owner, alice):  # business owner, technical owner
        assert links(kind(home(login(person)), "my-rereviews")) == [url]
    assert links(kind(home(login(auditor)), "rereviews")) == [url]
    assert kind(home(login(charlie)), "my-rereviews") == ""


def test_an_auditor_sees_recent_exports_and_no_team_work(login, auditor, review, alice):
    event = audit_record(
        actor=alice,
        action="exported",
        obj=review,
        object_ref=review.use_case.reference,
        changes={"manifest": [None, {"export": "registry", "format": "csv", "rows": 4}]},
    )
    page = home(login(auditor))
    exports = kind(page, "exports")
    assert "Registry CSV" in exports and "4 rows" in exports
    assert links(exports) == [reverse("audit:manifest", args=[event.seq])]
    assert kind(page, "questions") == "" and kind(page, "votes") == ""


# ---- links, nobody else's work, nothing waiting ----------------------------------------------------


def test_every_link_opens_for_the_person_it_is_shown_to(login, review, council, alice):
    scenarios.cast_votes(review, choices={"legal": "reject"}, reasons="Unlawful")
    services.comment_add(
        actor=reviewer_for(review, "legal"), review=review, body="Why?", is_question=True
    )
    for person in (alice, council["chair"]):
        client = login(person)
        page = home(client)
        shown = [url for url in re.findall(r'href="(/reviews/[^"]+)"', page)]
        assert shown
        for url in shown:
            assert client.get(url.split("#")[0]).status_code == 200


def test_nothing_is_waiting_only_when_nothing_waits(login, outsider, council_member, review):
    assert NOTHING in home(login(outsider))
    assert NOTHING in home(login(council_member))  # ethics does not review a limited tier
    assert NOTHING not in home(login(reviewer_for(review, "privacy")))


# ---- the query count -------------------------------------------------------------------------------


def queries_of(client) -> int:
    client.get(reverse("home"))  # caches that live for the process (content types)
    with CaptureQueriesContext(connection) as context:
        home(client)
    return len(context.captured_queries)


def busy_review(make_use_case, alice):
    review = make_use_case("submitted").reviews.get()
    item = item_of(review, "privacy")
    services.checklist_answer(
        actor=alice, review=review, item_id=item.pk, answer="yes", evidence=EVIDENCE
    )
    legal = reviewer_for(review, "legal")
    services.comment_add(actor=legal, review=review, body="Q?", is_question=True)
    workflows.checklist_verify(
        actor=reviewer_for(review, "privacy"),
        review=review,
        item_id=item.pk,
        verdict="rejected",
        comment="No",
    )
    due_in(review, -1)
    return review


def test_the_home_page_reads_in_the_same_number_of_queries_for_1_and_6_reviews(
    login, make_use_case, council, alice
):
    first = busy_review(make_use_case, alice)
    people = [alice, council["chair"], reviewer_for(first, "privacy")]
    few = [queries_of(login(person)) for person in people]
    for _ in range(5):
        busy_review(make_use_case, alice)
    many = [queries_of(login(person)) for person in people]
    assert few == many
    assert count_of(kind(home(login(alice)), "rejected")) == 6
