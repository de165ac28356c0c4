"""Forms of the registry pages. They only parse input: every rule lives in registry.services."""

from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from common.forms import OwnerChoiceField, ServiceForm
from common.limits import MARKETS_MAX, NAME_MAX, NOTE_MAX, TEXT_MAX, date_in_range, list_within
from council.selectors import business_owner_candidates
from usecases.choices import Channel, DataCategory
from usecases.models import UseCase

from .models import ComplaintKind, Deployment, IncidentKind, IncidentStatus, Severity, Stage
from .rules import MATERIAL_FIELDS
from .services import EDITABLE_FIELDS

# Label and plain-language hint of every field the team types (SPEC section 6).
QUESTIONS = {
    "name": ("Name of the tool", "How people inside the company call it."),
    "vendor": ("Vendor", "The company that supplies it. Leave empty when it is built in house."),
    "model_version": ("Model version", "The exact model or release running, e.g. “nbo-2026.3”."),
    "channels": ("Channels", "Where customers or colleagues meet it. Tick all that apply."),
    "markets": ("Markets", "Countries or regions, separated by commas, e.g. GB, IE, DE."),
    "go_live_date": ("Go-live date", "Leave empty while in pilot: moving to production sets it."),
    "business_owner": ("Business owner", "The manager accountable for it."),
    "technical_owner": ("Technical owner", "The person who keeps it running."),
    "human_oversight": ("Human oversight", "Who checks its outputs, how often, and how."),
    "customer_disclosure": ("Customer disclosure", "How customers are told AI is involved."),
    "data_categories": ("Data used", "Tick every kind of data it reads or learns from."),
    "monitoring_kpis": ("Monitoring", "The measures watched while it runs, e.g. complaints."),
    "published": (
        "Show on the public transparency page",
        "Once the council approved its public wording, customers read it there with the "
        "channels, the markets and how they are told.",
    ),
    "public_name": (
        "Public name",
        "The name customers will read, in plain words, e.g. “Offers chosen for you”. The "
        "council approves it before it shows.",
    ),
    "public_description": (
        "Public description",
        "What the tool does for customers, in two or three plain sentences, without internal "
        "names or jargon. The council approves it before it shows; a change waits for approval.",
    ),
}
_MATERIAL_LABELS = [QUESTIONS[name][0].lower() for name in MATERIAL_FIELDS]
CHANGE_CONTROL_HINT = (
    f"Changing the {', '.join(_MATERIAL_LABELS[:-1])} or {_MATERIAL_LABELS[-1]} opens a change "
    "review of the use case by the council; the tool keeps running while the council decides."
)


class MarketsField(forms.CharField):
    """Markets typed as one line, e.g. "GB, IE", stored as a list of distinct codes."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        words = (word.strip() for word in (super().to_python(value) or "").split(","))
        return list(dict.fromkeys(word for word in words if word))

    def validate(self, value):
        super().validate(value)
        list_within(value, MARKETS_MAX)


OWNER_NOT_ON_OFFER = (
    "Choose the owner from the list: people with an active account, other than administrator "
    "accounts and auditors."
)


def _people(*kept: int):
    """Who may be named owner (council.selectors), and the owners `kept` (named already: they
    stay on offer, so saving other facts never drops them)."""
    people = business_owner_candidates() | get_user_model().objects.filter(pk__in=kept)
    return people.distinct().order_by("username")


def _owner_field() -> OwnerChoiceField:
    return OwnerChoiceField(
        queryset=_people(),
        empty_label="Choose a person",
        error_messages={"invalid_choice": OWNER_NOT_ON_OFFER},
    )


def _ticks(choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(choices=choices.choices, widget=forms.CheckboxSelectMultiple)


class DeploymentForm(ServiceForm):
    """The facts of a registry entry; cleaned_data goes as-is to deployment_create/_update."""

    name = forms.CharField(max_length=NAME_MAX)
    vendor = forms.CharField(max_length=NAME_MAX, required=False)
    model_version = forms.CharField(max_length=NAME_MAX)
    channels = _ticks(Channel)
    markets = MarketsField(max_length=2000)
    go_live_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_in_range],
    )
    business_owner = _owner_field()
    technical_owner = _owner_field()
    human_oversight = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    customer_disclosure = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    data_categories = _ticks(DataCategory)
    monitoring_kpis = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    published = forms.BooleanField(required=False)
    public_name = forms.CharField(max_length=NAME_MAX, required=False)
    public_description = forms.CharField(
        required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (label, help_text) in QUESTIONS.items():
            self.fields[name].label = label
            self.fields[name].help_text = help_text
        self.order_fields(EDITABLE_FIELDS)

    @classmethod
    def for_use_case(cls, data, *, use_case: UseCase, user) -> "DeploymentForm":
        """A new entry, prefilled from what the use case already says."""
        initial = {
            "name": use_case.tool_name or use_case.title,
            "vendor": use_case.vendor,
            "channels": [c for c in use_case.channels if c in Channel.values],
            "data_categories": [c for c in use_case.data_categories if c in DataCategory.values],
            "customer_disclosure": use_case.customer_disclosure,
            "business_owner": use_case.business_owner_id,
            "technical_owner": user.pk,
        }
        return cls(data, initial=initial)

    @classmethod
    def for_entry(cls, data, *, deployment: Deployment) -> "DeploymentForm":
        initial = {name: getattr(deployment, name) for name in EDITABLE_FIELDS}
        form = cls(data, initial=initial, version=deployment.version)
        for name in ("business_owner", "technical_owner"):
            field = cast("forms.ModelChoiceField[User]", form.fields[name])
            field.queryset = _people(getattr(deployment, f"{name}_id"))
        return form


class StageForm(ServiceForm):
    stage = forms.ChoiceField(choices=Stage.choices)
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=NOTE_MAX,
        help_text="Kept in the entry's history.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IncidentReportForm(ServiceForm):
    """What went wrong with a deployed tool; cleaned_data goes as-is to incident_report."""

    kind = forms.ChoiceField(label="Kind", choices=IncidentKind.choices)
    severity = forms.ChoiceField(
        label="Severity",
        choices=Severity.choices,
        help_text="Critical suspends the tool at once and opens a re-review.",
    )
    description = forms.CharField(
        label="What happened", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        # The ids the page's anchors and labels have always used: incident-kind, ...
        super().__init__(*args, auto_id="incident-%s", **kwargs)


class IncidentUpdateForm(ServiceForm):
    status = forms.ChoiceField(
        label="Status",
        choices=[(s, label) for s, label in IncidentStatus.choices if s != IncidentStatus.OPEN],
    )
    resolution = forms.CharField(
        label="Resolution",
        required=False,
        max_length=TEXT_MAX,
        help_text="Needed to resolve: what was found and what was done.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ComplaintForm(forms.Form):
    """A customer's complaint or contest from a tool's public page; `website` is a trap for
    robots (hidden from people and from screen readers), never a question."""

    use_required_attribute = False

    kind = forms.ChoiceField(
        label="What would you like to do?",
        choices=ComplaintKind.choices,
        widget=forms.RadioSelect,
        initial=ComplaintKind.COMPLAINT,
        error_messages={"required": "Choose whether you contest a decision or complain."},
    )
    message = forms.CharField(
        label="Your message",
        help_text="Tell us what happened and, if you contest a decision, which one and when.",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write your message."},
    )
    contact = forms.CharField(
        label="How can we answer you? (optional)",
        help_text="An e-mail address or a phone number. Leave it empty to stay anonymous.",
        required=False,
        max_length=254,
    )
    website = forms.CharField(required=False, max_length=200, label="Leave this empty")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="complaint-%s", **kwargs)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean_message(self) -> str:
        message: str = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError("Write your message.")
        return message
