"""Pages of council review: my queue, the review page and its forms.

Views parse input, call one service or selector, and render; they never assign a state. A
refused action (`ActionForbidden`) answers 403, an illegal transition comes back as a message on
the review page, a service's `ValidationError` re-renders the page (400) with the messages next
to the fields. Who may do what is reviews.selectors' `*_refusal`: the page offers a form only to
whom it does not refuse, each form endpoint refuses before it reads the form (so a read-only
visitor, an auditor, gets 403 whatever they post), and the service asks the same before it writes.

The checklist is saved a section at a time (`checklist_section`): one form per section carries
the answers (the team) or verdicts (its verifiers) of its items, and a refused save comes back
with everything typed, each message next to its item. static/js/checklist-drafts.js keeps what
was typed in the other sections across the reload.

Every page reads in a constant number of queries: rows are fetched in bulk, never per item.
"""

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

import workflows
from common.errors import StaleEdit, refuse
from common.files import download_response
from common.forms import ServiceForm
from common.pages import back_to, once_per_form, refusals_answered
from council.models import CouncilRole, role_labels
from usecases.forms import answer_names

from . import rules, services
from .diff import answers_diff
from .forms import (
    ChecklistAnswerForm,
    ChecklistVerifyForm,
    CommentForm,
    ConditionClaimForm,
    ConditionConfirmForm,
    ConditionWaiveForm,
    DecisionForm,
    ReassignForm,
    RecuseForm,
    SectionAnswerForm,
    SectionVerifyForm,
    VoteForm,
)
from .models import (
    Assignment,
    ChecklistAnswer,
    ChecklistSection,
    ConditionStatus,
    ConfirmVerdict,
    ReviewState,
    Verdict,
    Vote,
)
from .selectors import (
    CHECKLIST_FILTERS,
    Standing,
    applicable_items,
    checklist_answer_refusal,
    checklist_answer_saved,
    checklist_counts,
    checklist_filter,
    checklist_item_shown,
    checklist_section_refusal,
    checklist_verdict_order,
    checklist_verify_refusal,
    comment_refusal,
    condition_confirm_refusal,
    condition_meet_refusal,
    condition_waive_refusal,
    decision_refusal,
    reassign_refusal,
    recuse_refusal,
    review_get_visible,
    review_queue,
    seat_candidates,
    seat_roles,
    unverified_required_items,
    vendor_evidence,
    verifier_roles,
    vote_refusal,
    votes_by_role,
)
from .services import ChecklistSectionRefused

ROLE_LABELS = dict(CouncilRole.choices)
QUEUE_PAGE_SIZE = 50


def _review_url(review, anchor: str = "") -> str:
    url = reverse("reviews:detail", args=[review.pk])
    return f"{url}#{anchor}" if anchor else url


_refusals_answered = refusals_answered(back_to("reviews:detail"))


# ---- my review queue ---------------------------------------------------------------------------


@require_GET
def queue(request):
    user = request.user
    today = timezone.localdate()
    # Paginator's own count: it reads only the member's assignments (their reviewer index), so
    # it grows with their queue, not with the council's reviews.
    page = Paginator(review_queue(user=user), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    # Everything below reads for the page's reviews only, each fact in one query.
    in_queue = [review.pk for review in page]
    my_roles = defaultdict(list)
    for review_id, role in (
        Assignment.objects.filter(review__in=in_queue, reviewer=user, recused=False)
        .order_by("role")
        .values_list("review_id", "role")
    ):
        my_roles[review_id].append(role)
    voted = set(
        Vote.objects.filter(
            review__in=in_queue, reviewer=user, current=True, revision=F("review__revision")
        ).values_list("review_id", flat=True)
    )
    my_item_role = Assignment.objects.filter(
        review=OuterRef("review"), reviewer=user, recused=False, role=OuterRef("item__role")
    )
    to_verify = dict(
        ChecklistAnswer.objects.filter(
            review__in=in_queue, revision=F("review__revision"), verdict=""
        )
        .filter(Exists(my_item_role))
        .order_by()
        .values("review_id")
        .annotate(n=Count("id"))
        .values_list("review_id", "n")
    )
    rows = []
    for review in page:
        roles = my_roles.get(review.pk, [])
        rows.append(
            {
                "review": review,
                "roles": role_labels(roles),
                "deadline": rules.deadline(review.due_date, today),
                "vote_missing": review.pk not in voted
                and any(role in review.required_roles for role in roles),
                "to_verify": to_verify.get(review.pk, 0),
            }
        )
    return render(request, "reviews/queue.html", {"rows": rows, "page": page})


# ---- the review page ---------------------------------------------------------------------------


@require_GET
def review_detail(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    return _render_review(request, review, show=checklist_filter(request.GET.get("show")))


def _render_review(request, review, *, bound=None, status=200, show=""):
    """The whole page. `bound` holds the posted forms that failed, keyed like the page's (a
    section's: one per item posted); `show`: the checklist's filter."""
    bound = bound or {}
    user = request.user
    use_case = review.use_case
    is_open = review.state == ReviewState.OPEN
    today = timezone.localdate()
    assignments = list(review.assignments.select_related("reviewer"))
    # What the user is to the review decides which forms the page offers.
    viewer = Standing(user=user, review=review, assignments=assignments)
    votes = list(review.votes.select_related("reviewer").order_by("-cast_at"))
    current_by_role = votes_by_role(review, assignments=assignments, votes=votes)
    all_voted = rules.all_required_voted(required=review.required_roles, votes=current_by_role)
    revisions = {
        r.number: r
        for r in use_case.revisions.filter(number__in=[review.revision - 1, review.revision])
    }
    judged = revisions.get(review.revision)
    items = applicable_items(review, judged.answers)
    checklist = _checklist(review, viewer, is_open, bound, items, show)

    context = {
        "review": review,
        "use_case": use_case,
        "judged": judged,
        "viewer": viewer,
        "my_roles": role_labels(r for r in review.required_roles if r in viewer.roles),
        "my_verifier_roles": role_labels(sorted(viewer.verifies, key=rules.ROLE_ORDER.index)),
        "is_open": is_open,
        "today": today,
        "deadline": rules.deadline(review.due_date, today) if is_open else "",
        "required_roles": role_labels(review.required_roles),
        "role_rows": _role_rows(review, assignments, votes),
        "verifier_rows": _verifier_rows(review, assignments, items),
        "recused": [a for a in assignments if a.recused],
        "vote_history": votes,
        "voted_count": len(current_by_role),
        "checklist": checklist,
        "waivers": list(
            review.waivers.filter(revision=review.revision).select_related("item", "waived_by")
        ),
        "diff": _diff(revisions, review.revision),
        "comments": list(review.comments.select_related("author")),
    }
    context.update(_conditions(review, viewer, bound))
    context.update(_forms(review, viewer, is_open, all_voted, votes, bound, items, checklist))
    context["error_links"] = [link for form in bound.values() for link in form.error_links()]
    return render(request, "reviews/detail.html", context, status=status)


def _role_rows(review, assignments, votes) -> list[dict]:
    """One row per required role: its active reviewer and their current vote on this revision."""
    active = {a.role: a for a in assignments if not a.recused}
    current = {v.reviewer_id: v for v in votes if v.current and v.revision == review.revision}
    return [
        {
            "role": ROLE_LABELS.get(role, role),
            "assignment": active.get(role),
            "vote": current.get(active[role].reviewer_id) if role in active else None,
        }
        for role in review.required_roles
    ]


def _verifier_rows(review, assignments, items) -> list[dict]:
    """One row per role that verifies items without a vote: its verifier (or none yet)."""
    active = {a.role: a for a in assignments if not a.recused and not a.voting}
    return [
        {
            "role": ROLE_LABELS.get(role, role),
            "assignment": active.get(role),
            "items": [item.code for item in items if item.role == role],
        }
        for role in verifier_roles(review, items)
    ]


def _checklist(review, viewer, is_open, bound, items, show) -> dict:
    """Applicable items by section, with the team's answers, verdicts, counters and forms, and
    what the vendors' assessments say about an item they answer (evidence, not a verdict); the
    items the filter `show` keeps are listed (and saved) by section, the others only counted."""
    answers = {
        a.item_id: a
        for a in ChecklistAnswer.objects.filter(
            review=review, revision=review.revision
        ).select_related("answered_by", "verified_by")
    }
    can_answer = is_open and checklist_answer_refusal(viewer) is None
    tier = review.policy.tier
    from_vendors = vendor_evidence(review, items)
    by_section = defaultdict(list)
    for item in items:
        answer = answers.get(item.pk)
        row = {
            "item": item,
            "anchor": f"item-{item.code}",
            "vendor_evidence": from_vendors.get(item.pk, []),
            "mine": is_open and item.role in viewer.roles,
            "required": item.required_at(tier),
            "answer": answer,
            "verified": answer is not None and answer.verdict == Verdict.VERIFIED,
            "shown": checklist_item_shown(show, item=item, answer=answer, standing=viewer),
            "answer_form": None,
            "verify_form": None,
        }
        if can_answer:
            row["answer_form"] = bound.get(("answer", item.pk)) or _answer_form(item, answer)
        can_verify = (
            is_open and answer is not None and checklist_verify_refusal(viewer, item) is None
        )
        if can_verify:
            row["verify_form"] = bound.get(("verify", item.pk)) or _verify_form(item, answer)
        by_section[item.section].append(row)

    sections: list[dict[str, Any]] = []
    for value, label in ChecklistSection.choices:
        rows = by_section.get(value)
        if not rows:
            continue
        shown = [row for row in rows if row["shown"]]
        sections.append(
            {
                "slug": value,
                "title": label,
                "rows": shown,
                "hidden": len(rows) - len(shown),
                "counts": checklist_counts((row["required"], row["answer"]) for row in rows),
                "can_save": any(row["answer_form"] or row["verify_form"] for row in shown),
            }
        )
    counts = sum((section["counts"] for section in sections), checklist_counts([]))
    return {
        "sections": sections,
        "counts": counts,
        "required": counts.required,
        "verified": counts.verified,
        "items": counts.items,
        "percent": round(100 * counts.verified / counts.required) if counts.required else 100,
        "show": show,
        "filters": [("", "All items"), *CHECKLIST_FILTERS.items()],
        "shown": sum(len(section["rows"]) for section in sections),
        "unverified": [
            row["item"]
            for section in sections
            for row in by_section[section["slug"]]
            if row["required"] and not row["verified"]
        ],
    }


def _answer_form(item, answer, data=None, files=None, form_class=SectionAnswerForm):
    return form_class(
        data,
        files,
        prefix=f"answer-{item.code}",
        initial={"answer": answer.answer, "evidence": answer.evidence} if answer else {},
        version=answer.version if answer else 0,
    )


def _verify_form(item, answer, data=None, form_class=SectionVerifyForm):
    return form_class(
        data,
        prefix=f"verify-{item.code}",
        initial={"verdict": answer.verdict, "comment": answer.verification_comment},
    )


def _conditions(review, viewer, bound) -> dict:
    """Conditions of the current votes on the judged revision, and earlier ones as history."""
    current: list[dict[str, Any]] = []
    earlier: list[dict[str, Any]] = []
    conditions = review.conditions.select_related(
        "owner", "vote__reviewer", "claimed_by", "sent_back_by", "closed_by"
    )
    for condition in conditions:
        vote = condition.vote
        is_current = vote is None or (vote.current and vote.revision == review.revision)
        row = {
            "condition": condition,
            "by_role": role_labels(vote.roles) if vote else [],
            "confirming_role": ROLE_LABELS[condition.confirming_role],
            "file_url": _condition_file_url(condition),
            **_condition_forms(condition, viewer, bound),
        }
        (current if is_current else earlier).append(row)
    return {"conditions": current, "earlier_conditions": earlier}


def _condition_file_url(condition) -> str:
    if not condition.evidence_file:
        return ""
    return reverse("reviews:condition_file", args=[condition.review_id, condition.pk])


def _condition_forms(condition, viewer, bound) -> dict:
    """The forms the viewer may use on the condition in its status (None for the others)."""
    key, status = condition.pk, condition.status
    forms: dict[str, Any] = {"meet_form": None, "waive_form": None, "confirm_form": None}
    if status == ConditionStatus.OPEN and condition_meet_refusal(viewer) is None:
        forms["meet_form"] = bound.get(("meet", key)) or ConditionClaimForm(prefix=f"meet-{key}")
    if status == ConditionStatus.OPEN and condition_waive_refusal(viewer) is None:
        forms["waive_form"] = bound.get(("waive", key)) or ConditionWaiveForm(prefix=f"waive-{key}")
    if status == ConditionStatus.CLAIMED and condition_confirm_refusal(viewer, condition) is None:
        forms["confirm_form"] = bound.get(("confirm", key)) or ConditionConfirmForm(
            prefix=f"confirm-{key}"
        )
    return forms


def _diff(revisions, number):
    """What changed from revision N-1 to N; None for the first revision."""
    if number <= 1 or number not in revisions or number - 1 not in revisions:
        return None
    before, after = revisions[number - 1].answers, revisions[number].answers
    return answers_diff(before, after, names=answer_names([before, after]))


def _seat_candidates(review, roles) -> dict[str, list]:
    """Role -> the members free to take its seat on the review (reviews.selectors)."""
    return seat_candidates([review], {review.pk: roles})[review.pk]


def _forms(review, viewer, is_open, all_voted, votes, bound, items, checklist) -> dict:
    forms: dict[str, ServiceForm | None] = {
        "vote_form": None,
        "recuse_form": None,
        "comment_form": None,
        "decision_form": None,
        "reassign_form": None,
    }
    if is_open and vote_refusal(viewer) is None:
        mine = next(
            (
                v
                for v in votes
                if v.reviewer_id == viewer.pk and v.current and v.revision == review.revision
            ),
            None,
        )
        initial = {"choice": mine.choice, "reasons": mine.reasons} if mine else {}
        forms["vote_form"] = bound.get("vote") or VoteForm(prefix="vote", initial=initial)
    if is_open and recuse_refusal(viewer) is None:
        forms["recuse_form"] = bound.get("recuse") or RecuseForm(prefix="recuse")
    if comment_refusal(viewer) is None:
        forms["comment_form"] = bound.get("comment") or CommentForm(prefix="comment")
    if is_open and all_voted and decision_refusal(viewer) is None:
        forms["decision_form"] = bound.get("decision") or DecisionForm(
            prefix="decision", waivable=checklist["unverified"]
        )
    if is_open and reassign_refusal(viewer) is None:
        forms["reassign_form"] = bound.get("reassign") or ReassignForm(
            prefix="reassign", candidates=_seat_candidates(review, seat_roles(review, items))
        )
    return forms


# ---- the review page's forms -------------------------------------------------------------------


def _handle(request, review, key, form, act, *, success, to: str):
    """Validate the form, run the service; on success redirect to `to`, else re-render (400)."""
    status = 400
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        except StaleEdit as error:
            form.add_stale_edit(error)
            status = 409
        else:
            messages.success(request, success(form.cleaned_data) if callable(success) else success)
            return redirect(to)
    return _render_review(request, review, bound={key: form}, status=status)


def _item(review, item_pk):
    return get_object_or_404(review.checklist_template.items, pk=item_pk)


@require_POST
@_refusals_answered
def checklist_answer(request, pk, item_pk):
    review = review_get_visible(user=request.user, pk=pk)
    item = _item(review, item_pk)
    refuse(checklist_answer_refusal(Standing(user=request.user, review=review)))
    saved = checklist_answer_saved(review, item)
    form = _answer_form(item, saved, request.POST, request.FILES, form_class=ChecklistAnswerForm)
    return _handle(
        request,
        review,
        ("answer", item.pk),
        form,
        lambda data: services.checklist_answer(
            actor=request.user,
            review=review,
            item_id=item.pk,
            answer=data["answer"],
            evidence=data["evidence"],
            version=form.read_version,
            upload=data.get("file"),
        ),
        success=gettext("Answer to %(code)s saved.") % {"code": item.code},
        to=_review_url(review, f"item-{item.code}"),
    )


@require_POST
@_refusals_answered
def checklist_verify(request, pk, item_pk):
    review = review_get_visible(user=request.user, pk=pk)
    item = _item(review, item_pk)
    refuse(checklist_verify_refusal(Standing(user=request.user, review=review), item))
    form = ChecklistVerifyForm(request.POST, prefix=f"verify-{item.code}")
    return _handle(
        request,
        review,
        ("verify", item.pk),
        form,
        lambda data: workflows.checklist_verify(
            actor=request.user,
            review=review,
            item_id=item.pk,
            verdict=data["verdict"],
            comment=data["comment"],
        ),
        success=lambda data: (
            gettext("%(code)s %(verdict)s.")
            % {"code": item.code, "verdict": gettext(Verdict(data["verdict"]).label).lower()}
        ),
        to=_review_url(review, f"item-{item.code}"),
    )


class _VerdictsRefused(Exception):
    def __init__(self, errors: dict[int, ValidationError]):
        super().__init__("Some verdicts of the section were refused.")
        self.errors = errors


@require_POST
@_refusals_answered
def checklist_section(request, pk, section):
    """Save one section of the checklist: every answer (the team) or verdict (its verifiers)
    the user changed in it, in one transaction. On a problem nothing is saved and the section
    comes back with all its input, each message next to its item."""
    review = review_get_visible(user=request.user, pk=pk)
    viewer = Standing(user=request.user, review=review)
    items = [item for item in applicable_items(review) if item.section == section]
    if not items:
        raise Http404("No such section of the checklist.")
    refuse(checklist_section_refusal(viewer, items))
    saved = {
        a.item_id: a
        for a in ChecklistAnswer.objects.filter(
            review=review, revision=review.revision, item__in=items
        )
    }
    answer_forms, verify_forms = _section_forms(request, viewer, items, saved)
    show = checklist_filter(request.POST.get("show"))
    forms = [*answer_forms.values(), *verify_forms.values()]
    status = 400
    if all([form.is_valid() for form in forms]):
        try:
            done = _save_section(request.user, review, section, answer_forms, verify_forms, saved)
        except ChecklistSectionRefused as refused:
            status = _show_refusals(refused, answer_forms)
        except _VerdictsRefused as refused:
            for item_pk, error in refused.errors.items():
                verify_forms[item_pk].add_service_errors(error)
        else:
            label = ChecklistSection(section).label
            messages.success(
                request,
                gettext("%(section)s: %(saved)s") % {"section": label, "saved": _saved_words(done)},
            )
            query = f"?show={show}" if show else ""
            return redirect(
                f"{reverse('reviews:detail', args=[review.pk])}{query}#section-{section}"
            )
    bound = {("answer", pk): form for pk, form in answer_forms.items()}
    bound.update({("verify", pk): form for pk, form in verify_forms.items()})
    return _render_review(request, review, bound=bound, status=status, show=show)


def _section_forms(request, viewer, items, saved):
    """The posted items' forms, by item id: answers if the user answers, verdicts on the
    answered items they verify. An item not posted (filtered out of the page) is left alone."""
    answer_forms, verify_forms = {}, {}
    answering = checklist_answer_refusal(viewer) is None
    for item in items:
        answer = saved.get(item.pk)
        if answering and f"answer-{item.code}-version" in request.POST:
            answer_forms[item.pk] = _answer_form(item, answer, request.POST, request.FILES)
        posted = f"verify-{item.code}-comment" in request.POST
        if posted and answer is not None and checklist_verify_refusal(viewer, item) is None:
            verify_forms[item.pk] = _verify_form(item, answer, request.POST)
    return answer_forms, verify_forms


def _save_section(actor, review, section, answer_forms, verify_forms, saved) -> tuple[int, int]:
    """(answers saved, verdicts recorded): every change of the section, or nothing."""
    answers = [
        {
            "item": item_pk,
            "answer": form.cleaned_data["answer"],
            "evidence": form.cleaned_data["evidence"],
            "version": form.read_version,
            "upload": form.cleaned_data.get("file"),
        }
        for item_pk, form in answer_forms.items()
        if form.wants_saving()
    ]
    verdicts = [
        (saved[item_pk].item, saved[item_pk], form)
        for item_pk, form in verify_forms.items()
        if form.wants_saving()
    ]
    with transaction.atomic():
        if answers:
            services.checklist_section_answer(
                actor=actor, review=review, section=section, answers=answers
            )
        _record_verdicts(actor, review, verdicts)
    return len(answers), len(verdicts)


def _record_verdicts(actor, review, verdicts) -> None:
    """Each verdict through the workflow (one may decide the review, which moves the use case),
    in the order checklist_verdict_order gives; any refusal undoes them all."""
    forms = {item.pk: form for item, _answer, form in verdicts}
    entries = [(item, answer, form.cleaned_data["verdict"]) for item, answer, form in verdicts]
    errors = {}
    for item, _answer, verdict in checklist_verdict_order(entries, tier=review.policy.tier):
        try:
            workflows.checklist_verify(
                actor=actor,
                review=review,
                item_id=item.pk,
                verdict=verdict,
                comment=forms[item.pk].cleaned_data["comment"],
            )
        except ValidationError as error:
            errors[item.pk] = error
    if errors:
        raise _VerdictsRefused(errors)


def _show_refusals(refused: ChecklistSectionRefused, answer_forms) -> int:
    """Put each item's problem next to it; 409 when the only problem is someone's newer save."""
    for item_pk, problems in refused.errors.items():
        answer_forms[item_pk].add_service_errors(ValidationError(problems))
    for item_pk, stale in refused.stale.items():
        answer_forms[item_pk].add_stale_edit(stale)
    return 409 if refused.stale and not refused.errors else 400


def _saved_words(done: tuple[int, int]) -> str:
    answers, verdicts = done
    said = []
    if answers:
        said.append(
            ngettext("%(count)d answer saved", "%(count)d answers saved", answers)
            % {"count": answers}
        )
    if verdicts:
        said.append(
            ngettext("%(count)d verdict recorded", "%(count)d verdicts recorded", verdicts)
            % {"count": verdicts}
        )
    return (", ".join(said) + ".") if said else gettext("nothing changed, nothing to save.")


@require_GET
def checklist_evidence_file(request, pk, answer_pk):
    """An answer's evidence file, to whom may see the review (404 for anyone else), as a
    download the browser never renders."""
    review = review_get_visible(user=request.user, pk=pk)
    return _evidence_download(review.answers, answer_pk)


@require_GET
def condition_evidence_file(request, pk, condition_pk):
    """A condition's evidence file, to whom may see the review (404 for anyone else), as a
    download the browser never renders."""
    review = review_get_visible(user=request.user, pk=pk)
    return _evidence_download(review.conditions, condition_pk)


def _evidence_download(rows, row_pk):
    """The evidence file of one row (a checklist answer, a condition) of a visible review."""
    row = get_object_or_404(rows.exclude(evidence_file=""), pk=row_pk)
    return download_response(
        row.evidence_file, filename=row.evidence_file_name, content_type=row.evidence_file_type
    )


@require_POST
@_refusals_answered
@once_per_form
def vote(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    refuse(vote_refusal(Standing(user=request.user, review=review)))
    form = VoteForm(request.POST, prefix="vote")
    return _handle(
        request,
        review,
        "vote",
        form,
        lambda data: workflows.vote_cast(
            actor=request.user,
            review=review,
            choice=data["choice"],
            reasons=data["reasons"],
            conditions=form.conditions(),
        ),
        success=gettext("Your vote is recorded."),
        to=_review_url(review, "votes"),
    )


@require_POST
@_refusals_answered
def recuse(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    refuse(recuse_refusal(Standing(user=request.user, review=review)))
    form = RecuseForm(request.POST, prefix="recuse")
    return _handle(
        request,
        review,
        "recuse",
        form,
        lambda data: workflows.review_recuse(
            actor=request.user, review=review, reason=data["reason"]
        ),
        success=gettext("You have stepped back from the review of %(reference)s.")
        % {"reference": review.use_case.reference},
        # A confidential use case may no longer be visible once recused: go back to the queue.
        to=reverse("reviews:queue"),
    )


@require_POST
@_refusals_answered
def condition_meet(request, pk, condition_pk):
    review = review_get_visible(user=request.user, pk=pk)
    condition = get_object_or_404(review.conditions, pk=condition_pk)
    refuse(condition_meet_refusal(Standing(user=request.user, review=review)))
    form = ConditionClaimForm(request.POST, request.FILES, prefix=f"meet-{condition.pk}")
    role = ROLE_LABELS[condition.confirming_role]
    return _handle(
        request,
        review,
        ("meet", condition.pk),
        form,
        lambda data: services.condition_meet(
            actor=request.user,
            condition=condition,
            evidence=data["evidence"],
            upload=data.get("file"),
        ),
        success=gettext(
            "The condition is marked met: it now waits for the %(role)s reviewer to confirm it."
        )
        % {"role": role},
        to=_review_url(review, f"condition-{condition.pk}"),
    )


@require_POST
@_refusals_answered
def condition_confirm(request, pk, condition_pk):
    review = review_get_visible(user=request.user, pk=pk)
    condition = get_object_or_404(review.conditions, pk=condition_pk)
    refuse(condition_confirm_refusal(Standing(user=request.user, review=review), condition))
    form = ConditionConfirmForm(request.POST, prefix=f"confirm-{condition.pk}")
    return _handle(
        request,
        review,
        ("confirm", condition.pk),
        form,
        lambda data: services.condition_confirm(
            actor=request.user,
            condition=condition,
            verdict=data["verdict"],
            comment=data["comment"],
        ),
        success=lambda data: (
            gettext("The condition is confirmed met.")
            if data["verdict"] == ConfirmVerdict.CONFIRMED
            else gettext("The condition is sent back to the team with your comment.")
        ),
        to=_review_url(review, f"condition-{condition.pk}"),
    )


@require_POST
@_refusals_answered
def condition_waive(request, pk, condition_pk):
    review = review_get_visible(user=request.user, pk=pk)
    condition = get_object_or_404(review.conditions, pk=condition_pk)
    refuse(condition_waive_refusal(Standing(user=request.user, review=review)))
    form = ConditionWaiveForm(request.POST, prefix=f"waive-{condition.pk}")
    return _handle(
        request,
        review,
        ("waive", condition.pk),
        form,
        lambda data: services.condition_waive(
            actor=request.user, condition=condition, reason=data["reason"]
        ),
        success=gettext("The condition is waived."),
        to=_review_url(review, f"condition-{condition.pk}"),
    )


@require_POST
@_refusals_answered
@once_per_form
def comment(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    refuse(comment_refusal(Standing(user=request.user, review=review)))
    form = CommentForm(request.POST, prefix="comment")
    return _handle(
        request,
        review,
        "comment",
        form,
        lambda data: services.comment_add(
            actor=request.user,
            review=review,
            body=data["body"],
            is_question=data["is_question"],
        ),
        success=gettext("Comment posted."),
        to=_review_url(review, "comments"),
    )


@require_POST
@_refusals_answered
def decide(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    refuse(decision_refusal(Standing(user=request.user, review=review)))
    form = DecisionForm(request.POST, prefix="decision", waivable=unverified_required_items(review))
    return _handle(
        request,
        review,
        "decision",
        form,
        lambda data: workflows.decision_record_by_chair(
            actor=request.user,
            review=review,
            outcome=data["outcome"],
            rationale=data["rationale"],
            waivers=form.waivers(),
        ),
        success=gettext("Your decision is recorded."),
        to=_review_url(review),
    )


@require_POST
@_refusals_answered
def reassign(request, pk):
    """From the review page or the pipeline: back to the page in `next` when it is local."""
    review = review_get_visible(user=request.user, pk=pk)
    refuse(reassign_refusal(Standing(user=request.user, review=review)))
    form = ReassignForm(
        request.POST, prefix="reassign", candidates=_seat_candidates(review, seat_roles(review))
    )
    return _handle(
        request,
        review,
        "reassign",
        form,
        lambda data: services.review_reassign(
            actor=request.user, review=review, role=data["seat"].role, reviewer=data["seat"].user
        ),
        success=lambda data: _reassigned_words(review, data["seat"]),
        to=_local_next(request, form.data.get(form.add_prefix("next")))
        or _review_url(review, "votes"),
    )


def _reassigned_words(review, seat) -> str:
    (role,) = role_labels([seat.role])
    name = seat.user.get_full_name() or seat.user.get_username()
    return gettext("%(name)s now holds the %(role)s seat on %(reference)s.") % {
        "name": name,
        "role": gettext(role),
        "reference": review.use_case.reference,
    }


def _local_next(request, url: str | None) -> str:
    """`url` when it leads to a page of this site, else "" (never an open redirect)."""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else ""
