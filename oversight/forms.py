"""The chair's pipeline filters: a GET form, so the address keeps the choice and no script is needed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import translated_choices
from council.models import Team
from usecases.choices import RiskTier

from .pipeline import GROUPS, SORTS, PipelineChoice


class PipelineFilterForm(forms.Form):
    tier = forms.ChoiceField(
        label=_("Risk tier"),
        required=False,
        choices=[("", _("Any")), *translated_choices(RiskTier)],
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=Team.objects.order_by("name"),
        empty_label=_("Any"),
    )
    group = forms.ChoiceField(
        label=_("Waiting for"),
        required=False,
        choices=[("", _("Any")), *((key, _(group.label)) for key, group, _seats in GROUPS)],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(key, _(label)) for key, label in SORTS.items()],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def choice(self) -> PipelineChoice:
        """The valid part of the choice: a value that is not one of the options is shown as an
        error next to its field and ignored (the form is always bound, to request.GET)."""
        self.is_valid()
        data = self.cleaned_data
        team = data.get("team")
        return PipelineChoice(
            tier=data.get("tier") or "",
            team_id=team.pk if team else None,
            overdue_only=bool(data.get("overdue")),
            group=data.get("group") or "",
            sort=data.get("sort") or "due",
        )
