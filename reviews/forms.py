"""Forms of the review page. They only parse input: every rule lives in reviews.services.

Fields a service checks (reasons for a vote, a rationale, evidence …) are optional here, so
the service's own message is the one shown next to the field.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import ServiceForm, translated_choices
from common.limits import NOTE_MAX, TEXT_MAX, date_in_range
from council.models import role_labels

from .models import AnswerChoice, ConfirmVerdict, Outcome, Verdict, VoteChoice
from .selectors import SeatCandidate

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CONDITION_ROWS = 3


def _text(
    label: "StrOrPromise",
    *,
    rows: int = 3,
    help_text: "StrOrPromise" = "",
    max_length: int = TEXT_MAX,
):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ChecklistAnswerForm(ServiceForm):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=translated_choices(AnswerChoice),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an answer.")},
    )
    evidence = _text(
        _("Evidence"),
        help_text=_(
            "What shows it: a document, a link, a test result. Required for “Not applicable”."
        ),
    )
    file = forms.FileField(
        label=_("Evidence file (optional)"),
        required=False,
        help_text=_(
            "PDF, Word, Excel, PowerPoint, PNG, JPG, text, Markdown or CSV; at most 20 MB. "
            "A new file replaces the one saved."
        ),
    )


class SectionAnswerForm(ChecklistAnswerForm):
    """One item's answer among those of its section: left blank, it is not saved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answer"].required = False

    def clean(self):
        data = super().clean()
        typed = (data.get("evidence") or "").strip() or data.get("file")
        if typed and not data.get("answer") and "answer" not in self.errors:
            self.add_error("answer", _("Choose an answer to save this evidence."))
        return data

    def wants_saving(self) -> bool:
        """Whether the input differs from the saved answer (the form's initial) or adds a file."""
        data = self.cleaned_data
        if data.get("file"):
            return True
        if not data.get("answer"):
            return False
        said = (data.get("answer"), data.get("evidence") or "")
        return said != (self.initial.get("answer"), self.initial.get("evidence") or "")


class ChecklistVerifyForm(ServiceForm):
    verdict = forms.ChoiceField(
        label=_("Your verdict"),
        choices=translated_choices(Verdict),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose Verify or Reject.")},
    )
    comment = _text(
        _("Comment"),
        rows=2,
        help_text=_("Required when you reject: say what is missing."),
        max_length=NOTE_MAX,
    )


class SectionVerifyForm(ChecklistVerifyForm):
    """One item's verdict among those of its section: "Not yet" leaves it as it is."""

    verdict = forms.ChoiceField(
        label=_("Your verdict"),
        choices=[("", _("Not yet")), *translated_choices(Verdict)],
        widget=forms.RadioSelect,
        required=False,
    )

    def clean(self):
        data = super().clean()
        comment = (data.get("comment") or "").strip()
        changed = comment != (self.initial.get("comment") or "").strip()
        if changed and not data.get("verdict") and "verdict" not in self.errors:
            self.add_error("verdict", _("Choose Verify or Reject to save your comment."))
        return data

    def wants_saving(self) -> bool:
        """Whether a verdict is chosen that differs from the saved one (the form's initial)."""
        data = self.cleaned_data
        if not data.get("verdict"):
            return False
        said = (data.get("verdict"), data.get("comment") or "")
        return said != (self.initial.get("verdict") or "", self.initial.get("comment") or "")


class VoteForm(ServiceForm):
    choice = forms.ChoiceField(
        label=_("Your vote"),
        choices=translated_choices(VoteChoice),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose your vote.")},
    )
    reasons = _text(
        _("Reasons"),
        rows=4,
        help_text=_("Required to request changes or to reject: the team needs them to act."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conditions_errors: list[str] = []
        for n in range(1, CONDITION_ROWS + 1):
            self.fields[f"condition_{n}_text"] = forms.CharField(
                label=_("Condition %(number)d") % {"number": n}, required=False, max_length=NOTE_MAX
            )
            self.fields[f"condition_{n}_blocking"] = forms.BooleanField(
                label=_("Blocking: must be met before go-live"), required=False, initial=True
            )
            self.fields[f"condition_{n}_due"] = forms.DateField(
                label=_("Due date"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
                validators=[date_in_range],
            )

    def condition_rows(self):
        """(number, text, blocking, due) bound fields of each row, for the template."""
        return [
            (
                n,
                self[f"condition_{n}_text"],
                self[f"condition_{n}_blocking"],
                self[f"condition_{n}_due"],
            )
            for n in range(1, CONDITION_ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        for n in range(1, CONDITION_ROWS + 1):
            text = (data.get(f"condition_{n}_text") or "").strip()
            if data.get(f"condition_{n}_due") and not text:
                self.add_error(f"condition_{n}_text", _("Write the condition, or clear its date."))
        return data

    def conditions(self) -> list[dict]:
        """The filled rows, as vote_cast takes them."""
        rows = []
        for n in range(1, CONDITION_ROWS + 1):
            text = (self.cleaned_data.get(f"condition_{n}_text") or "").strip()
            if text:
                rows.append(
                    {
                        "text": text,
                        "blocking": self.cleaned_data.get(f"condition_{n}_blocking", False),
                        "due_date": self.cleaned_data.get(f"condition_{n}_due"),
                    }
                )
        return rows

    def add_service_errors(self, error: ValidationError) -> None:
        # "conditions" is the group of rows, not one field: keep its messages for the fieldset.
        if hasattr(error, "error_dict") and "conditions" in error.error_dict:
            self.conditions_errors = list(error.message_dict["conditions"])
            rest = {k: v for k, v in error.message_dict.items() if k != "conditions"}
            if not rest:
                return
            error = ValidationError(rest)
        super().add_service_errors(error)

    def error_links(self) -> list[tuple[str, str]]:
        rows = super().error_links()
        return rows + [("id_vote-condition_1_text", message) for message in self.conditions_errors]


class ConditionClaimForm(ServiceForm):
    """The team marks a condition met: the evidence in words, a file (the checklist's evidence
    file field), or both."""

    evidence = _text(
        _("How is it met?"), help_text=_("A link, a document name or a short explanation.")
    )
    file = ChecklistAnswerForm.base_fields["file"]


class ConditionConfirmForm(ServiceForm):
    """The council role that set the condition confirms it met or sends it back."""

    verdict = forms.ChoiceField(
        label=_("Your verdict"),
        choices=ConfirmVerdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to confirm it or send it back.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        help_text=_("Required to send it back: say what is missing."),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConditionWaiveForm(ServiceForm):
    reason = _text(
        _("Why waive it?"),
        help_text=_("The reason is kept in the audit trail."),
        max_length=NOTE_MAX,
    )


class CommentForm(ServiceForm):
    body = _text(_("Your comment"), rows=4)
    is_question = forms.BooleanField(
        label=_("Question to the team"),
        required=False,
        help_text=_("The team sees it flagged as a question waiting for an answer."),
    )


class DecisionForm(ServiceForm):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Choose the outcome")), *translated_choices(Outcome)],
        error_messages={"required": _("Choose the outcome.")},
    )
    rationale = _text(
        _("Rationale"),
        rows=4,
        help_text=_("Shown to the team and kept on the record, e.g. why one reject is overturned."),
    )

    def __init__(self, *args, waivable, **kwargs):
        """waivable: the applicable required items not verified; an approval waives each one
        with a reason, in the field `waiver_<item id>`."""
        super().__init__(*args, **kwargs)
        self.waivable = list(waivable)
        for item in self.waivable:
            self.fields[f"waiver_{item.pk}"] = forms.CharField(
                label=_("%(code)s: why approve without it?") % {"code": item.code},
                help_text=item.text,
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def waiver_fields(self):
        return [self[f"waiver_{item.pk}"] for item in self.waivable]

    def waivers(self) -> list[dict]:
        """The reasons given, as decision_record_by_chair takes them (blank ones left out, so
        the service names the items still missing one)."""
        rows = []
        for item in self.waivable:
            reason = (self.cleaned_data.get(f"waiver_{item.pk}") or "").strip()
            if reason:
                rows.append({"item": item.pk, "reason": reason})
        return rows

    def add_service_errors(self, error: ValidationError) -> None:
        # Each waiver message names its item: put it next to that item's reason.
        if hasattr(error, "error_dict") and "waivers" in error.error_dict:
            for problem in error.error_dict["waivers"]:
                name = f"waiver_{(problem.params or {}).get('item')}"
                self.add_error(name if name in self.fields else None, problem.messages)
            rest = {k: v for k, v in error.error_dict.items() if k != "waivers"}
            if not rest:
                return
            error = ValidationError(rest)
        super().add_service_errors(error)


class ReassignForm(ServiceForm):
    """One choice names the seat and the member together, grouped by role: only members free to
    take a seat are offered for it, so a member of another role cannot be chosen (no script
    needed). `next`: a local page to return to (the pipeline), checked by the view."""

    seat = forms.ChoiceField(
        label=_("Seat and member"),
        help_text=_("Members are listed under the role they hold, least loaded first."),
        error_messages={
            "required": _("Choose the seat and the member who takes it."),
            "invalid_choice": _(
                "That member cannot take that seat (any more): choose one from the list."
            ),
        },
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, candidates: Mapping[str, list[SeatCandidate]], **kwargs):
        """candidates: role -> the members free to take its seat (reviews.selectors)."""
        super().__init__(*args, **kwargs)
        self.candidates = {c.value: c for members in candidates.values() for c in members}
        self.unfilled = role_labels(role for role, members in candidates.items() if not members)
        seat = cast(forms.ChoiceField, self.fields["seat"])
        seat.choices = [("", _("Choose a seat and a member"))] + [
            (label, [(c.value, c.label) for c in candidates[role]])
            for role, label in zip(candidates, role_labels(candidates), strict=True)
            if candidates[role]
        ]

    def clean_seat(self) -> SeatCandidate:
        return self.candidates[self.cleaned_data["seat"]]

    def add_service_errors(self, error: ValidationError) -> None:
        """The service names the role or the reviewer; both are this one choice."""
        if hasattr(error, "error_dict"):
            for messages in error.message_dict.values():
                self.add_error("seat", messages)
            return
        super().add_service_errors(error)


class RecuseForm(ServiceForm):
    reason = _text(
        _("Why do you recuse yourself?"),
        help_text=_("For example a conflict of interest. The chair then assigns another member."),
        max_length=NOTE_MAX,
    )
