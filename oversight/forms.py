"""The chair's pipeline filters: a GET form, so the address keeps the choice and no script is needed."""

from django import forms

from council.models import Team
from usecases.choices import RiskTier

from .pipeline import GROUPS, SORTS, PipelineChoice


class PipelineFilterForm(forms.Form):
    tier = forms.ChoiceField(
        label="Risk tier", required=False, choices=[("", "Any"), *RiskTier.choices]
    )
    team = forms.ModelChoiceField(
        label="Team", required=False, queryset=Team.objects.order_by("name"), empty_label="Any"
    )
    group = forms.ChoiceField(
        label="Waiting for",
        required=False,
        choices=[("", "Any"), *((key, group.label) for key, group, _ in GROUPS)],
    )
    sort = forms.ChoiceField(label="Sort by", required=False, choices=list(SORTS.items()))
    overdue = forms.BooleanField(label="Overdue only", required=False)

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
