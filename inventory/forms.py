"""The inventory's forms: cleaned_data goes as-is to inventory.services, which check it again."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from common.forms import OwnerChoiceField, ServiceForm
from common.limits import LIST_MAX, NAME_MAX, TEXT_MAX, date_in_range, list_within

from .choices import Certification, DataResidency, ModelType, TrainsOnOurData
from .models import AiModel, ModelVersion, Vendor
from .selectors import vendor_owner_candidates
from .services import MODEL_FIELDS, VENDOR_FIELDS, VERSION_FIELDS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _day(label: "StrOrPromise", help_text: "StrOrPromise" = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_in_range],
    )


class NamesField(forms.CharField):
    """Names typed one a line, stored as a list of distinct names."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        lines = (line.strip() for line in (super().to_python(value) or "").splitlines())
        return list(dict.fromkeys(line for line in lines if line))

    def validate(self, value):
        super().validate(value)
        list_within(value, LIST_MAX)
        if any(len(name) > NAME_MAX for name in value):
            raise forms.ValidationError(
                _("Each name has at most %(max)d characters.") % {"max": NAME_MAX}
            )


class VendorForm(ServiceForm):
    """A vendor and its assessment, answered once for every team."""

    name = forms.CharField(max_length=NAME_MAX, label=_("Name"))
    website = forms.URLField(
        required=False, max_length=200, assume_scheme="https", label=_("Website")
    )
    owner = OwnerChoiceField(
        # Who holds a council role changes daily: the queryset is made for each form.
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
        label=_("Owner"),
        help_text=_("The council member who keeps the assessment current."),
    )
    dpa_signed = forms.BooleanField(required=False, label=_("Data processing agreement signed"))
    dpa_signed_on = _day(_("Signed on"))
    sub_processors = NamesField(
        required=False,
        label=_("Sub-processors"),
        max_length=TEXT_MAX,
        help_text=_("One name a line, as the vendor lists them."),
    )
    data_residency = forms.ChoiceField(
        choices=[("", _("Not known yet")), *DataResidency.choices],
        required=False,
        label=_("Where our data is kept"),
    )
    data_residency_detail = forms.CharField(
        required=False,
        max_length=NAME_MAX,
        label=_("Where exactly"),
        help_text=_("Required for Other."),
    )
    trains_on_our_data = forms.ChoiceField(
        choices=TrainsOnOurData.choices,
        widget=forms.RadioSelect,
        initial=TrainsOnOurData.UNKNOWN,
        label=_("Does the vendor train its models on our data?"),
    )
    certifications = forms.MultipleChoiceField(
        choices=Certification.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Certifications"),
    )
    security_review = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Security review"),
        help_text=_("What was reviewed and what it found."),
    )
    security_reviewed_on = _day(_("Security review on"))
    assessed_on = _day(_("Assessed on"))
    next_assessment_due = _day(
        _("Next assessment due"), _("After this day the assessment shows as lapsed.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(VENDOR_FIELDS)

    @classmethod
    def for_vendor(cls, data, *, vendor: Vendor) -> "VendorForm":
        initial = {name: getattr(vendor, name) for name in VENDOR_FIELDS}
        form = cls(data, initial=initial, version=vendor.version)
        # A named owner stays on offer, so saving other answers never drops them.
        owner = form.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = (
            vendor_owner_candidates() | get_user_model().objects.filter(pk=vendor.owner_id or 0)
        ).distinct()
        return form


class AiModelForm(ServiceForm):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.order_by("name"),
        required=False,
        empty_label=_("None: built in-house"),
        label=_("Vendor"),
    )
    name = forms.CharField(max_length=NAME_MAX, label=_("Name"))
    model_type = forms.ChoiceField(choices=ModelType.choices, label=_("Type"))
    general_purpose = forms.BooleanField(
        required=False,
        label=_("General-purpose AI model"),
        help_text=_(
            "Trained on broad data, competent at a wide range of tasks and offered for "
            "others to build on (EU AI Act, Art. 3(63))."
        ),
    )
    model_card_url = forms.URLField(
        required=False, max_length=200, label=_("Model card"), assume_scheme="https"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(MODEL_FIELDS)

    @classmethod
    def for_model(cls, data, *, model: AiModel) -> "AiModelForm":
        return cls(data, initial={name: getattr(model, name) for name in MODEL_FIELDS})


class VersionForm(ServiceForm):
    version = forms.CharField(
        max_length=NAME_MAX, label=_("Version"), help_text=_("As the vendor names it.")
    )
    notes = forms.CharField(
        required=False,
        label=_("Notes"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What changed."),
    )
    released_on = _day(_("Released on"))

    @classmethod
    def for_version(cls, data, *, version: ModelVersion) -> "VersionForm":
        return cls(data, initial={name: getattr(version, name) for name in VERSION_FIELDS})

    def clean(self):
        # `version` here is the model's version as its vendor names it, not the hidden record
        # version of ServiceForm's edit forms (this form only creates): Form's own clean.
        return forms.Form.clean(self)
