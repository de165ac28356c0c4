"""Forms of the registry pages. They only parse input: every rule lives in registry.services."""

from typing import TYPE_CHECKING, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils.translation import gettext, gettext_lazy

from common.forms import OwnerChoiceField, ServiceForm, translated_choices
from common.limits import MARKETS_MAX, NAME_MAX, NOTE_MAX, TEXT_MAX, date_in_range, list_within
from council.selectors import business_owner_candidates
from inventory.models import ModelVersion
from usecases.choices import Channel, DataCategory
from usecases.models import UseCase

from .models import (
    ComplaintKind,
    Deployment,
    IncidentKind,
    IncidentStatus,
    Kpi,
    KpiDirection,
    PilotJudgement,
    Severity,
    Stage,
)
from .rules import MATERIAL_FIELDS
from .services import EDITABLE_FIELDS, LINKED_VERSIONS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The entry form's fields, in order: the linked model versions after the typed one.
FORM_FIELDS = (*EDITABLE_FIELDS[:3], LINKED_VERSIONS, *EDITABLE_FIELDS[3:])

# Label and plain-language hint of every field the team types (SPEC section 6).
QUESTIONS = {
    "name": (
        gettext_lazy("Name of the tool"),
        gettext_lazy("How people inside the company call it."),
    ),
    "vendor": (
        gettext_lazy("Vendor"),
        gettext_lazy("The company that supplies it. Leave empty when it is built in house."),
    ),
    "model_version": (
        gettext_lazy("Model version"),
        gettext_lazy("The exact model or release running, e.g. “nbo-2026.3”."),
    ),
    "model_versions": (
        gettext_lazy("Models from the inventory"),
        gettext_lazy(
            "Tick the version of each inventory model the tool runs on: a new version of one of them "
            "reaches this entry. Missing? Propose it on the Models page."
        ),
    ),
    "channels": (
        gettext_lazy("Channels"),
        gettext_lazy("Where customers or colleagues meet it. Tick all that apply."),
    ),
    "markets": (
        gettext_lazy("Markets"),
        gettext_lazy("Countries or regions, separated by commas, e.g. GB, IE, DE."),
    ),
    "go_live_date": (
        gettext_lazy("Go-live date"),
        gettext_lazy("Leave empty while in pilot: moving to production sets it."),
    ),
    "business_owner": (
        gettext_lazy("Business owner"),
        gettext_lazy("The manager accountable for it."),
    ),
    "technical_owner": (
        gettext_lazy("Technical owner"),
        gettext_lazy("The person who keeps it running."),
    ),
    "human_oversight": (
        gettext_lazy("Human oversight"),
        gettext_lazy("Who checks its outputs, how often, and how."),
    ),
    "customer_disclosure": (
        gettext_lazy("Customer disclosure"),
        gettext_lazy("How customers are told AI is involved."),
    ),
    "data_categories": (
        gettext_lazy("Data used"),
        gettext_lazy("Tick every kind of data it reads or learns from."),
    ),
    "monitoring_kpis": (
        gettext_lazy("Monitoring"),
        gettext_lazy("The measures watched while it runs, e.g. complaints."),
    ),
    "published": (
        gettext_lazy("Show on the public transparency page"),
        gettext_lazy(
            "Once the council approved its public wording, customers read it there with the "
            "channels, the markets and how they are told."
        ),
    ),
    "public_name": (
        gettext_lazy("Public name"),
        gettext_lazy(
            "The name customers will read, in plain words, e.g. “Offers chosen for you”. The "
            "council approves it before it shows."
        ),
    ),
    "public_description": (
        gettext_lazy("Public description"),
        gettext_lazy(
            "What the tool does for customers, in two or three plain sentences, without internal "
            "names or jargon. The council approves it before it shows; a change waits for approval."
        ),
    ),
}


def change_control_hint() -> str:
    """Which facts of an entry open a change review when they change, in words."""
    labels = [str(QUESTIONS[name][0]).lower() for name in MATERIAL_FIELDS]
    return gettext(
        "Changing the %(fields)s or %(last)s opens a change review of the use case by the "
        "council; the tool keeps running while the council decides."
    ) % {"fields": ", ".join(labels[:-1]), "last": labels[-1]}


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


OWNER_NOT_ON_OFFER = gettext_lazy(
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
        empty_label=gettext_lazy("Choose a person"),
        error_messages={"invalid_choice": OWNER_NOT_ON_OFFER},
    )


def _ticks(choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(choices=choices.choices, widget=forms.CheckboxSelectMultiple)


class DeploymentForm(ServiceForm):
    """The facts of a registry entry; cleaned_data goes as-is to deployment_create/_update."""

    name = forms.CharField(max_length=NAME_MAX)
    vendor = forms.CharField(max_length=NAME_MAX, required=False)
    model_version = forms.CharField(max_length=NAME_MAX)
    model_versions = forms.ModelMultipleChoiceField(
        queryset=ModelVersion.objects.select_related("model__vendor").order_by(
            "model__name", "-recorded_at"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
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
        self.order_fields(FORM_FIELDS)

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
        initial[LINKED_VERSIONS] = list(deployment.model_versions.all())
        form = cls(data, initial=initial, version=deployment.version)
        for name in ("business_owner", "technical_owner"):
            field = cast("forms.ModelChoiceField[User]", form.fields[name])
            field.queryset = _people(getattr(deployment, f"{name}_id"))
        return form


class StageForm(ServiceForm):
    stage = forms.ChoiceField(choices=translated_choices(Stage), label=gettext_lazy("Stage"))
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        max_length=NOTE_MAX,
        help_text=gettext_lazy("Kept in the entry's history."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Asked (and required by the service) only when the entry leaves pilot for production.
    results = forms.ChoiceField(
        label=gettext_lazy("Your judgement"),
        required=False,
        choices=translated_choices(PilotJudgement),
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Judged against the success criteria of the pilot plan and the KPIs above."
        ),
    )
    results_summary = forms.CharField(
        label=gettext_lazy("What the pilot showed"),
        required=False,
        max_length=TEXT_MAX,
        help_text=gettext_lazy(
            "The figures and what they mean, e.g. “Unsubscribes fell from 2.4% to 2.0% "
            "over 6 weeks on 10% of the list”."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class IncidentReportForm(ServiceForm):
    """What went wrong with a deployed tool; cleaned_data goes as-is to incident_report."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=IncidentKind.choices)
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        choices=translated_choices(Severity),
        help_text=gettext_lazy("Critical suspends the tool at once and opens a re-review."),
    )
    description = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        # The ids the page's anchors and labels have always used: incident-kind, ...
        super().__init__(*args, auto_id="incident-%s", **kwargs)


def _decimal(label: "StrOrPromise", help_text: "StrOrPromise" = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        max_digits=16,
        decimal_places=4,
        error_messages={
            "invalid": gettext_lazy("Enter a number, e.g. 12.5."),
            "required": gettext_lazy("Enter a number."),
        },
    )


class KpiForm(ServiceForm):
    """A KPI the entry is measured by; cleaned_data goes as-is to registry.services.kpi_define."""

    name = forms.CharField(
        label=gettext_lazy("KPI"),
        max_length=200,
        help_text=gettext_lazy(
            "What is measured, e.g. “Unsubscribe rate” or “First-contact resolution”."
        ),
        error_messages={"required": gettext_lazy("Name the KPI.")},
    )
    unit = forms.CharField(
        label=gettext_lazy("Unit"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("e.g. %, £."),
    )
    direction = forms.ChoiceField(
        label=gettext_lazy("Better is"),
        choices=KpiDirection.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Say whether higher or lower is better.")},
    )
    baseline = _decimal(gettext_lazy("Baseline"), gettext_lazy("Where it stood before the tool."))
    target = _decimal(
        gettext_lazy("Target"),
        gettext_lazy("The success criterion of the pilot plan, as a number."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="kpi", **kwargs)


class KpiMeasureForm(ServiceForm):
    """A measured value of one of the entry's KPIs (registry.services.kpi_measure)."""

    kpi = forms.ModelChoiceField(
        label=gettext_lazy("KPI"),
        queryset=Kpi.objects.none(),
        empty_label=gettext_lazy("Choose the KPI"),
        error_messages={
            "required": gettext_lazy("Choose the KPI."),
            "invalid_choice": gettext_lazy("Choose the KPI."),
        },
    )
    value = _decimal(gettext_lazy("Value"))
    measured_on = forms.DateField(
        label=gettext_lazy("Measured on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": gettext_lazy("Give the day it was measured."),
            "invalid": gettext_lazy("Enter a date."),
        },
    )
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=500, required=False)

    def __init__(self, *args, deployment: Deployment, **kwargs):
        super().__init__(*args, prefix="measure", **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["kpi"])
        field.queryset = deployment.kpis.all()


class IncidentUpdateForm(ServiceForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[(s, label) for s, label in IncidentStatus.choices if s != IncidentStatus.OPEN],
    )
    resolution = forms.CharField(
        label=gettext_lazy("Resolution"),
        required=False,
        max_length=TEXT_MAX,
        help_text=gettext_lazy("Needed to resolve: what was found and what was done."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ComplaintForm(forms.Form):
    """A customer's complaint or contest from a tool's public page; `website` is a trap for
    robots (hidden from people and from screen readers), never a question."""

    use_required_attribute = False

    # Shown on the public pages: every word in the catalogue, in the reader's language.
    kind = forms.ChoiceField(
        label=gettext_lazy("What would you like to do?"),
        choices=[(code, gettext_lazy(label)) for code, label in ComplaintKind.choices],
        widget=forms.RadioSelect,
        initial=ComplaintKind.COMPLAINT,
        error_messages={
            "required": gettext_lazy("Choose whether you contest a decision or complain.")
        },
    )
    message = forms.CharField(
        label=gettext_lazy("Your message"),
        help_text=gettext_lazy(
            "Tell us what happened and, if you contest a decision, which one and when."
        ),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Write your message.")},
    )
    contact = forms.CharField(
        label=gettext_lazy("How can we answer you? (optional)"),
        help_text=gettext_lazy(
            "An e-mail address or a phone number. Leave it empty to stay anonymous."
        ),
        required=False,
        max_length=254,
    )
    website = forms.CharField(
        required=False, max_length=200, label=gettext_lazy("Leave this empty")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="complaint-%s", **kwargs)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean_message(self) -> str:
        message: str = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(gettext_lazy("Write your message."))
        return message


class ImportForm(ServiceForm):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy(
            "CSV (UTF-8) or XLSX with the template's columns; the first sheet is read. "
            "Checking imports nothing."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
