"""Forms of the use-case pages. They only parse input: every rule lives in usecases.services."""

from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.forms import OwnerChoiceField, ServiceForm, person_label, translated_choices
from common.limits import MARKETS_MAX, NAME_MAX, NOTE_MAX, TEXT_MAX, list_within
from council.models import Team
from council.selectors import business_owner_candidates, user_teams
from inventory.models import ModelVersion

from .choices import (
    LIST_FIELDS,
    PROHIBITED_PRACTICE_FIELDS,
    AttachmentKind,
    AutomationLevel,
    ModelProvenance,
    OperatorRole,
    PeopleAffected,
)
from .ids import beyond_stored_ids
from .markets import parse_markets, unknown_markets
from .models import UseCase
from .selectors import model_versions_offered
from .services import ANSWER_FIELDS
from .validation import submission_errors

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

YES_NO_CHOICES = (("True", _("Yes")), ("False", _("No")))
OWNER_NOT_ON_OFFER = _(
    "Choose the business owner from the list: people with an active account, other than "
    "administrator accounts and auditors."
)


@dataclass(frozen=True)
class Section:
    slug: str
    number: int
    title: "StrOrPromise"
    intro: "StrOrPromise"
    fields: tuple[str, ...]
    # Asked with the answers but saved by their own service (not answers: never in a revision).
    linked: tuple[str, ...] = ()


# The inventory's model versions the use case names (usecases.services.usecase_models_set).
LINKED_VERSIONS = "model_versions"


# The steps of SPEC section 3, in order; the 7th (attachments) lives on the use case page.
SECTIONS = (
    Section("basics", 1, _("Basics"), _("What the use case is and who is accountable for it."),
            ("title", "summary", "business_problem", "team", "business_owner", "confidential")),
    Section("journey", 2, _("Customer journey"), _("Where customers or colleagues meet the AI."),
            ("functions", "journey_stages", "channels")),
    Section("ai", 3, _("The AI"), _("What the AI does and who provides it."),
            ("capabilities", "vendor", "tool_name", "model_provenance", "automation_level"),
            linked=(LINKED_VERSIONS,)),
    Section("data", 4, _("Data and people"), _("Which data it uses and whom it affects."),
            ("data_categories", "biometric_use", "affected_people", "people_affected", "markets",
             "customer_facing", "significant_decisions", "sensitive_purposes", "vulnerable_groups",
             "outbound_contact", "operator_role", "art_6_3_conditions", "art_6_3_grounds")),
    Section("prohibited", 5, _("Prohibited practices"),
            _("The EU AI Act bans the practices below outright (Article 5). Tick any that apply: "
              "a use case with a ticked box cannot be submitted. Leave them all unticked if none "
              "applies."),
            PROHIBITED_PRACTICE_FIELDS),
    Section("value", 6, _("Value and pilot"), _("What you expect to gain and how you will try it out."),
            ("expected_benefits", "kpis", "pilot_plan", "customer_disclosure", "human_escalation")),
)  # fmt: skip

# Question and plain-language help of every answer, shared by the form and the use case page.
QUESTIONS: dict[str, tuple["StrOrPromise", "StrOrPromise"]] = {
    "title": (_("Title"), _("A short name people will recognise, for example “Next-best-offer e-mails”.")),
    "summary": (_("What does it do?"), _("A few sentences in plain words: what goes in, what comes out, and who sees the result.")),
    "business_problem": (_("Which problem does it solve?"), _("The customer or business problem, not the technology. For example: “Customers receive offers that do not fit them and unsubscribe.”")),
    "team": (_("Owning team"), _("The team that proposes and runs it. You can choose any team you belong to.")),
    "business_owner": (_("Business owner"), _("The manager accountable for it. They receive the council's decision and can edit the use case like your team.")),
    "confidential": (_("Keep this use case confidential"), _("Tick for unannounced campaigns or launches. Only your team, the business owner, the assigned reviewers, the chair and auditors will see it; others will not even see its title.")),
    "functions": (_("Which parts of the business use it?"), _("Tick all that apply.")),
    "journey_stages": (_("Where in the customer journey does it act?"), _("Tick all that apply.")),
    "channels": (_("Through which channels?"), _("Tick all that apply.")),
    "capabilities": (_("What kind of AI is it?"), _("Tick every capability it uses. Generative content writes text, images or audio; personalisation tailors what each person sees; predictive scoring rates how likely someone is to buy, leave or pay. Emotion recognition: does it infer how people feel from their voice, face or typing rhythm? (Reading the mood of written words is sentiment analysis.) Realistic synthetic media: does it make images, audio or video of people, places or events that look or sound real? Acts in other systems: does it send, buy, book or change records on its own?")),
    "vendor": (_("Vendor or model provider"), _("The company that supplies the tool or the model. Leave empty only when it is built in house.")),
    "tool_name": (_("Tool or model name"), _("The product or model name, for example “Acme Personalise”.")),
    "model_provenance": (_("Where does the model come from?"), ""),
    "automation_level": (_("How much does a person stay involved?"), _("Fully automated means the AI acts without anyone checking its outputs.")),
    "data_categories": (_("Which data does it use?"), _("Tick every kind of data it reads or learns from. Tick “No personal data” only when nothing in it can identify a person.")),
    "affected_people": (_("Who is affected by it?"), _("Tick everyone whose experience, treatment or data it touches.")),
    "customer_facing": (_("Do customers see it or talk to it?"), _("Yes if it chats or talks with customers, or writes content they receive: e-mails, ads, web pages.")),
    "significant_decisions": (_("Does it decide, or strongly influence, things that matter to a person?"), _("For example who gets credit, which price or contract someone is eligible for, whether a contract ends, or how an employee or agent is rated.")),
    "vulnerable_groups": (_("Could it target or affect children or vulnerable customers?"), _("Vulnerable customers include people in financial difficulty, with a disability or a health condition, or who may be easier to mislead.")),
    "markets": (_("In which countries is it used, or does its output reach people?"), _("Country codes separated by commas, for example “IE, GB, DE”; “EU” stands for every EU country. This decides which laws apply: the EU AI Act reaches any tool whose output is used in the EU.")),
    "operator_role": (_("Do we only use it, or do we build it or sell it under our name?"), _("Deployer: we use a tool someone else built, under our authority. Provider: we built it, or we put our name or brand on it, or we changed it substantially (EU AI Act Art. 25(1)).")),
    "sensitive_purposes": (_("Is it used for any of these purposes?"), _("The law treats these purposes with extra care. Tick none if none applies. Allocating contact-centre calls or tasks to agents by how they behave or perform counts as managing staff.")),
    "outbound_contact": (_("Does it call or message people without them asking first?"), _("Yes if it places calls, sends texts, e-mails or app messages on its own initiative, for example automated reminder or offer calls.")),
    "people_affected": (_("How many people does it affect?"), _("A rough estimate of the customers, prospects or staff whose data it uses or whose experience it changes in a year.")),
    "biometric_use": (_("How does it use biometric data?"), _("Only if it uses biometric data. Verification confirms that someone is who they say they are (voice login); identification finds who someone is among many; categorisation sorts people into groups by traits it infers, such as age or sex.")),
    "art_6_3_conditions": (_("Does its provider conclude that it is not high-risk (EU AI Act Art. 6(3))?"), _("Only for a purpose above, biometric identification or categorisation, or emotion recognition, which the Act calls high-risk (Annex III). Its provider may conclude otherwise when it does not materially influence decisions and one of these conditions holds; a system that profiles people always stays high-risk. Tick none if no such conclusion is made. The council reviews the conclusion, and the provider documents it and registers the system in the EU database.")),
    "art_6_3_grounds": (_("On what grounds is it not high-risk?"), _("A short summary, as it goes to the EU database: what the system does, why its output does not decide or materially influence the outcome, and who reviews it. For example: “It only turns scanned CVs into structured fields; recruiters read every application.”")),
    "manipulative_techniques": (_("Manipulates or deceives people"), _("Uses hidden or deceptive techniques, such as subliminal cues or pressure timed to a person's weak moments, that push people into choices they would not otherwise make and that may harm them. EU AI Act Art. 5(1)(a).")),
    "exploits_vulnerabilities": (_("Exploits people's vulnerabilities"), _("Takes advantage of someone's age, disability or social or economic situation, for example pushing high-interest offers to people in debt. EU AI Act Art. 5(1)(b).")),
    "social_scoring": (_("Scores people on their social behaviour"), _("Rates people on their behaviour or personality and uses the score to treat them worse in unrelated situations or out of proportion. EU AI Act Art. 5(1)(c).")),
    "workplace_emotion_recognition": (_("Reads the emotions of employees or agents"), _("Infers how staff feel at work, for example detecting contact-centre agents' stress or mood from their voice. Analysing customers' sentiment is not in this category. EU AI Act Art. 5(1)(f).")),
    "biometric_categorisation_sensitive": (_("Sorts people by biometric data to guess sensitive traits"), _("Uses faces, voices or other biometric data to infer race, political opinions, religion, sexual orientation or trade-union membership. EU AI Act Art. 5(1)(g).")),
    "expected_benefits": (_("What do you expect to gain?"), _("For customers and for the business.")),
    "kpis": (_("How will you measure it?"), _("The metrics you will track, for example lifetime value, retention, CSAT or conversion.")),
    "pilot_plan": (_("Pilot plan"), _("Scope, duration and success criteria. For example: “10% of the list for 6 weeks; success if unsubscribes fall by 10%.”")),
    "customer_disclosure": (_("How are customers told AI is involved?"), _("Needed when customers see it or talk to it. For example a line in the e-mail footer, or a chat greeting saying it is a virtual assistant.")),
    "human_escalation": (_("How can a customer reach a person?"), _("Needed for chatbots and voice agents. For example “type agent at any time” or “press 0”.")),
}  # fmt: skip


def _text(*, long: bool = True, max_length: int = TEXT_MAX) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 4}) if long else forms.TextInput
    return forms.CharField(required=False, max_length=max_length, widget=widget)


def _yes_no() -> forms.TypedChoiceField:
    # Unanswered stays None: a draft may leave the question open, a submission may not.
    return forms.TypedChoiceField(
        choices=YES_NO_CHOICES,
        coerce=lambda value: value == "True",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


def _one_of(choices) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=translated_choices(choices), required=False, widget=forms.RadioSelect
    )


class MarketsField(forms.CharField):
    """Country codes typed as 'IE, GB'; stored as a list of ISO 3166-1 alpha-2 codes (or EU)."""

    def to_python(self, value):
        return parse_markets(super().to_python(value) or "")

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def validate(self, value):
        super().validate(value)
        list_within(value, MARKETS_MAX)
        unknown = unknown_markets(value)
        if unknown:
            raise ValidationError(
                gettext("Not a country code: %(codes)s. Use ISO codes such as IE, GB, DE, or EU.")
                % {"codes": ", ".join(unknown)}
            )


IN_HOUSE = _("In-house")


def version_label(version: ModelVersion) -> str:
    """ "Vendor · Model · version", and "(proposed)" until the council confirms it."""
    model = version.model
    label = f"{model.vendor.name if model.vendor else IN_HOUSE} · {model.name} · {version.version}"
    if version.proposed or model.proposed:
        return gettext("%(label)s (proposed)") % {"label": label}
    return label


class _VersionsByModel(forms.models.ModelChoiceIterator):
    """The versions grouped by model ("Vendor · Model"), in the queryset's order."""

    def __iter__(self):
        for _model_id, group in groupby(self.queryset, key=attrgetter("model_id")):
            versions = list(group)
            model = versions[0].model
            vendor = model.vendor.name if model.vendor else IN_HOUSE
            yield f"{vendor} · {model.name}", [self.choice(version) for version in versions]


class ModelVersionsField(forms.ModelMultipleChoiceField):
    """Ticks of the inventory's model versions, grouped by model."""

    iterator = _VersionsByModel

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(queryset=ModelVersion.objects.none(), **kwargs)

    def label_from_instance(self, obj):
        return version_label(obj)

    def _check_values(self, value):
        for pk in value:
            if beyond_stored_ids(pk):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


def _offer_versions(form: forms.Form, *, user, use_case: UseCase | None) -> None:
    """What the versions field offers: usecases.selectors.model_versions_offered."""
    field = cast("ModelVersionsField", form.fields[LINKED_VERSIONS])
    field.queryset = model_versions_offered(user=user, use_case=use_case)


def answer_names(answers: list[dict]) -> dict[str, dict]:
    """Team and business owner names for the ids frozen in answers (two queries at most)."""
    team_ids = {a["team"] for a in answers if a.get("team") is not None}
    user_ids = {a["business_owner"] for a in answers if a.get("business_owner") is not None}
    users = get_user_model().objects.filter(pk__in=user_ids) if user_ids else []
    return {
        "team": dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
        if team_ids
        else {},
        "business_owner": {user.pk: person_label(user) for user in users},
    }


class UseCaseForm(ServiceForm):
    """Every answer of a use case; its cleaned_data goes as-is to usecase_create/usecase_update."""

    title = _text(long=False, max_length=NAME_MAX)
    summary = _text()
    business_problem = _text()
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        empty_label=_("Choose a team"),
        error_messages={"required": _("Choose the team that owns this use case.")},
    )
    business_owner = OwnerChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Choose a person"),
        error_messages={"invalid_choice": OWNER_NOT_ON_OFFER},
    )
    confidential = forms.BooleanField(required=False)
    vendor = _text(long=False, max_length=NAME_MAX)
    tool_name = _text(long=False, max_length=NAME_MAX)
    model_provenance = _one_of(ModelProvenance)
    automation_level = _one_of(AutomationLevel)
    customer_facing = _yes_no()
    significant_decisions = _yes_no()
    vulnerable_groups = _yes_no()
    markets = MarketsField(required=False, max_length=400)
    operator_role = _one_of(OperatorRole)
    art_6_3_grounds = _text()
    outbound_contact = _yes_no()
    people_affected = _one_of(PeopleAffected)
    expected_benefits = _text()
    kpis = _text()
    pilot_plan = _text()
    customer_disclosure = _text()
    human_escalation = _text()

    def __init__(self, *args, user, use_case: UseCase | None = None, **kwargs):
        if use_case is not None:
            kwargs.setdefault("initial", _initial(use_case))
            kwargs.setdefault("version", use_case.version)
        super().__init__(*args, **kwargs)
        for name, choices in LIST_FIELDS.items():
            self.fields[name] = forms.MultipleChoiceField(
                choices=translated_choices(choices),
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        for name in PROHIBITED_PRACTICE_FIELDS:
            self.fields[name] = forms.BooleanField(required=False)
        self.fields[LINKED_VERSIONS] = ModelVersionsField(
            label=_("Which models from the inventory does it use?"),
            help_text=_(
                "Tick the version of each model it runs on, one version per model. A "
                "version marked proposed waits for the council to confirm it."
            ),
        )
        _offer_versions(self, user=user, use_case=use_case)
        for name, (label, help_text) in QUESTIONS.items():
            self.fields[name].label = label
            self.fields[name].help_text = help_text
        self._limit_teams(user, use_case)
        self._limit_owners(use_case)
        self.order_fields(ANSWER_FIELDS)
        self._new = use_case is None

    def clean(self):
        cleaned = super().clean()
        # A new draft is found again by its title: a blank save would leave "(untitled draft)".
        if self._new and not (cleaned or {}).get("title") and "title" not in self.errors:
            self.add_error("title", gettext("Give the draft a title to save it."))
        return cleaned

    def _limit_teams(self, user, use_case: UseCase | None) -> None:
        teams = user_teams(user)
        if use_case is not None:
            # The business owner may edit without being in the team: keep the current one on offer.
            teams = teams | Team.objects.filter(pk=use_case.team_id)
        team_field = cast("forms.ModelChoiceField[Team]", self.fields["team"])
        team_field.queryset = teams.distinct().order_by("name")
        if use_case is None and not self.is_bound:
            only = list(teams[:2])
            if len(only) == 1:
                self.initial["team"] = only[0]

    def _limit_owners(self, use_case: UseCase | None) -> None:
        """The people who can be named (council.selectors); the owner named already stays on
        offer, so saving other answers never drops them (submitting checks them again)."""
        owners = business_owner_candidates()
        if use_case is not None and use_case.business_owner_id is not None:
            owners = owners | get_user_model().objects.filter(pk=use_case.business_owner_id)
        owner_field = cast("forms.ModelChoiceField[User]", self.fields["business_owner"])
        owner_field.queryset = owners.order_by("username")

    def sections(self):
        """(section, its bound fields, whether any has an error) in form order, for the template."""
        return [
            (
                section,
                [self[name] for name in (*section.fields, *section.linked)],
                any(self[name].errors for name in (*section.fields, *section.linked)),
            )
            for section in SECTIONS
        ]

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(self, "cleaned_data"):
            # Unbound (a submit from the use case page shows the saved answers): nothing to prune.
            self.cleaned_data = {}
        super().add_service_errors(error)

    def add_submission_preview(self) -> None:
        """When the form itself is invalid nothing is saved; still list every missing answer."""
        answers = {name: self.cleaned_data.get(name) for name in ANSWER_FIELDS}
        for name, messages in submission_errors(answers).items():
            if name not in self.errors:
                self.add_error(name, messages)

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor, label, message) of every error, in form order, for the summary on top."""
        rows = [("", "", str(message)) for message in self.non_field_errors()]
        for field in self:
            if field.errors:
                anchor = _first_input_id(field)
                rows += [(anchor, str(field.label), str(message)) for message in field.errors]
        return rows


def _initial(use_case: UseCase) -> dict:
    """The saved answers and model versions of the use case, as the form shows them."""
    initial = {name: getattr(use_case, name) for name in ANSWER_FIELDS}
    initial[LINKED_VERSIONS] = list(use_case.model_versions.all())
    return initial


def _first_input_id(field: forms.BoundField) -> str:
    """The id of the field's input, or of its first choice (grouped choices number theirs
    "<id>_<group>_<choice>")."""
    if not field.use_fieldset:
        return field.auto_id
    choices = field.subwidgets
    return choices[0].id_for_label if choices else f"{field.auto_id}_0"


class AttachmentForm(ServiceForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "PDF, Word, Excel, PowerPoint, PNG, JPG, text, Markdown or CSV; at most 20 MB."
        ),
        error_messages={"required": _("Choose a file to upload.")},
    )
    kind = forms.TypedChoiceField(
        label=_("What is it?"),
        choices=translated_choices(AttachmentKind),
        required=False,
        empty_value=AttachmentKind.OTHER,
        initial=AttachmentKind.OTHER,
    )


class WithdrawForm(ServiceForm):
    reason = forms.CharField(
        label=_("Why are you withdrawing it?"),
        help_text=_("The reason is kept in the use case's history."),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason for withdrawing the use case.")},
    )


class ModelVersionsForm(ServiceForm):
    """The inventory's model versions a use case means to use (usecases.services.usecase_models_set)."""

    model_versions = ModelVersionsField(
        label=_("Models it uses"),
        help_text=_(
            "Tick the version of each model in the inventory the tool runs on. Missing? "
            "Propose it on the Models page."
        ),
    )

    def __init__(self, *args, user, use_case: UseCase, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_versions(self, user=user, use_case=use_case)
