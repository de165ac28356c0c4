"""The base of every form whose input a service checks too, and the people pickers."""

from django import forms
from django.core.exceptions import ValidationError


class ServiceForm(forms.Form):
    """A form whose input a service checks too: its refusals land next to the fields."""

    # Errors come from the server, next to their field, in one style (no browser pop-ups).
    use_required_attribute = False

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


def person_label(user) -> str:
    full_name = user.get_full_name()
    return f"{user.username} — {full_name}" if full_name else user.username


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return person_label(user)
