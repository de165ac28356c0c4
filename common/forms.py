"""The base of every form whose input a service checks too, and the people pickers."""

import copy
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from common.errors import StaleEdit

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The hidden field of an edit form: the version of the record it was filled from.
VERSION_FIELD = "version"


class ServiceForm(forms.Form):
    """A form whose input a service checks too: its refusals land next to the fields."""

    # Errors come from the server, next to their field, in one style (no browser pop-ups).
    use_required_attribute = False

    def __init__(self, *args, version: int | None = None, **kwargs):
        """`version`: an edit form's record's version now. The form carries it, hidden, and
        hands the one it was filled from to the service as `read_version` (not in cleaned_data),
        so that a save over someone else's newer one is refused (StaleEdit), never lost."""
        super().__init__(*args, **kwargs)
        self.read_version: int | None = None
        # The refusal of a save over a newer version, once add_stale_edit has shown it.
        self.stale: StaleEdit | None = None
        if version is not None:
            self.fields[VERSION_FIELD] = _version_field(version)

    def clean(self):
        cleaned = super().clean()
        if VERSION_FIELD not in self.fields:
            return cleaned
        self.read_version = cleaned.pop(VERSION_FIELD, None)
        if self.read_version is None and VERSION_FIELD not in self.errors:
            # A page opened before edits carried a version: keep the input, offer the current one.
            self.carry_version(self.fields[VERSION_FIELD].initial)
            raise ValidationError(
                gettext(
                    "This page is older than the form it sends: check your input, then save again."
                )
            )
        return cleaned

    def add_stale_edit(self, error: StaleEdit) -> None:
        """Someone saved the record after this form was filled: say who, when and what, on top
        and next to each field they changed, and carry their version, so that saving again
        keeps this input over theirs."""
        self.stale = error
        labels = {name: str(field.label) for name, field in self.fields.items()}
        self.add_error(None, error.describe(labels))
        who = error.changed_by or gettext("someone else")
        for name in error.changed_fields:
            if name in self.fields:
                self.add_error(
                    name, gettext("Changed by %(name)s after you opened the page.") % {"name": who}
                )
        self.carry_version(error.version)

    def carry_version(self, version: int) -> None:
        """Shown again, the form carries `version` of its record: the one just saved from it,
        or the newer one its input is to be saved over."""
        self.fields[VERSION_FIELD] = _version_field(version)
        if self.is_bound:
            # A copy of the submitted QueryDict (or dict) can be changed; the form keeps its own.
            data = cast("MutableMapping[str, Any]", copy.copy(self.data))
            data[self.add_prefix(VERSION_FIELD)] = str(version)
            self.data = data

    def add_service_errors(self, error: ValidationError) -> None:
        """Put each {field: [messages]} a service raised next to its field (others on top)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) of every error, for the summary on top of the page."""
        # str(): django-stubs type an ErrorList's items as ValidationError or (lazy) text; read
        # through ErrorList.__getitem__ they are the messages.
        rows = [("", str(message)) for message in self.non_field_errors()]
        for field in self:
            anchor = f"{field.auto_id}_0" if field.use_fieldset else field.auto_id
            rows += [(anchor, str(message)) for message in field.errors]
        return rows


def _version_field(version: int) -> forms.IntegerField:
    # 0: the record did not exist yet when the form was filled (a first checklist answer).
    return forms.IntegerField(
        widget=forms.HiddenInput, initial=version, required=False, min_value=0
    )


def translated_choices(choices: Any) -> list[tuple[Any, "StrOrPromise"]]:
    """The choices of an enumeration (a TextChoices class) whose labels are plain text in the
    catalogue (gettext_noop), shown in the language of the page."""
    return [(value, gettext_lazy(label)) for value, label in choices.choices]


def person_label(user) -> str:
    full_name = user.get_full_name()
    return f"{user.username} — {full_name}" if full_name else user.username


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return person_label(user)
