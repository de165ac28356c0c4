from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import ChoiceField

from audit.models import AuditEvent
from common.api import IdFilter
from common.limits import SEARCH_MAX, date_in_range

DATE_PICKER = forms.DateInput(attrs={"type": "date"})

# What people call each kind of object the trail records: the model labels that
# `audit_record(obj=…)` writes (use cases, reviews, conditions, registry entries, and the admin's
# teams, memberships, roles, policies, notifications, accounts and API tokens), then the kinds
# named in code: the exports (`registry`, `audit_trail`), the chain check (`audit_trail`) and
# login lock-outs (`auth.user`). A kind missing here still shows, as its code, and the API still
# filters by it.
OBJECT_KINDS = {
    "usecases.usecase": "Use case",
    "reviews.review": "Review",
    "reviews.condition": "Review condition",
    "reviews.reviewpolicy": "Review policy",
    "registry.deployment": "Registry entry",
    "inventory.vendor": "Vendor",
    "inventory.aimodel": "Model",
    "inventory.modelversion": "Model version",
    "council.team": "Team",
    "council.teammembership": "Team membership",
    "council.roleassignment": "Council role",
    "council.notification": "Notification",
    "council.apitoken": "API token",
    "auth.user": "User account",
    "registry": "Registry (exports)",
    "audit_trail": "Audit trail (exports, chain checks)",
}
OBJECT_KIND_CHOICES = sorted(OBJECT_KINDS.items(), key=lambda kind: kind[1])


def object_kind_label(object_type: str) -> str:
    return OBJECT_KINDS.get(object_type, object_type)


def person_label(*, username: str, name: str) -> str:
    """The "Full name (username)" of a person, or the username alone when they have no name."""
    return f"{name} ({username})" if name else username


def people_choices() -> list[tuple[str, str]]:
    """Everyone who has acted in the trail, by username, labelled with their name; one query."""
    acted = AuditEvent.objects.filter(actor=OuterRef("pk"))
    people = (
        get_user_model().objects.filter(Exists(acted)).only("username", "first_name", "last_name")
    )
    choices = [
        (user.username, person_label(username=user.username, name=user.get_full_name()))
        for user in people
    ]
    return sorted(choices, key=lambda choice: choice[1].casefold())


class PersonField(ChoiceField):
    """A username from the list, in any case: links written by hand before the picker still work."""

    def to_python(self, value):
        typed = super().to_python(value)
        usernames = {username.casefold(): username for username, _ in self.choices if username}
        return usernames.get(typed.casefold(), typed)


class PersonFilter(filters.Filter):
    field_class = PersonField


class AuditEventFilter(filters.FilterSet):
    object_type = filters.CharFilter(max_length=SEARCH_MAX)
    object_id = filters.CharFilter(max_length=SEARCH_MAX)
    actor = IdFilter(field_name="actor_id", label=_("Actor (user id)"))
    actor_username = filters.CharFilter(
        field_name="actor_username", lookup_expr="iexact", label=_("Actor (username)"),
        max_length=SEARCH_MAX,
    )  # fmt: skip
    action = filters.CharFilter(max_length=SEARCH_MAX)
    # The reference people see (UC-2026-0010, AI-2026-0003): every event about that record.
    reference = filters.CharFilter(
        field_name="object_ref", lookup_expr="iexact", label=_("Reference (UC-…, AI-…)"),
        max_length=SEARCH_MAX,
    )  # fmt: skip
    # A date picker on the auditor's page; the API takes the same YYYY-MM-DD.
    date_from = filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("From (date)"), widget=DATE_PICKER,
        validators=[date_in_range],
    )  # fmt: skip
    date_to = filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("To (date)"), widget=DATE_PICKER,
        validators=[date_in_range],
    )  # fmt: skip

    class Meta:
        model = AuditEvent
        fields = ["reference", "object_type", "object_id", "actor", "actor_username", "action"]


class AuditTrailForm(forms.Form):
    field_order = ["reference", "object_type", "actor_username", "action", "from", "to"]


class AuditTrailPageFilter(AuditEventFilter):
    """The auditor's page: the object kind and the person from pickers, in words. The API keeps
    taking codes, ids and usernames as text (AuditEventFilter); the page's links to the exports
    carry the same parameters, so an export holds what the page lists."""

    object_type = filters.ChoiceFilter(
        choices=OBJECT_KIND_CHOICES, empty_label=_("Any"), label=_("Object kind"),
        error_messages={"invalid_choice": _("Choose an object kind from the list.")},
    )  # fmt: skip
    actor_username = PersonFilter(
        field_name="actor_username", lookup_expr="iexact", empty_label=_("Any"), label=_("Person"),
        error_messages={
            "invalid_choice": _("Choose a person from the list: nobody by that username has acted"
                                " in the audit trail.")
        },
    )  # fmt: skip

    class Meta(AuditEventFilter.Meta):
        form = AuditTrailForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.filters["actor"]  # ids are for the API; people pick a name
        # Read once: validating the choice and drawing the picker share this list.
        self.filters["actor_username"].extra["choices"] = people_choices()


def publish_date_range(filterset_class: type[filters.FilterSet]) -> None:
    """The SPEC names the date range `from` and `to`; `from` is a Python keyword, so the filters
    are declared under other names and published under the SPEC's ones."""
    filterset_class.base_filters["from"] = filterset_class.base_filters.pop("date_from")
    filterset_class.base_filters["to"] = filterset_class.base_filters.pop("date_to")


publish_date_range(AuditEventFilter)
publish_date_range(AuditTrailPageFilter)
