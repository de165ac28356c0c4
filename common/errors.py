"""One family of domain errors, rendered by the API exception handler and by the pages."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.timezone import localtime
from django.utils.translation import gettext

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    """A rule of the product refused the action; the message says why in plain words."""

    status_code = 409

    def __init__(self, message: "StrOrPromise"):
        # A lazy message (gettext_lazy) is put in words now, in the language of the request.
        message = str(message)
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(DomainError):
    status_code = 409


class ActionForbidden(DomainError):
    """The user may see the object but may not do this to it (403)."""

    status_code = 403


class StaleEdit(DomainError):
    """A save based on a version of the record that someone else has changed since (409).

    Who changed it last, when, and which fields (names; a page shows their labels), with the
    record's current version: saving again with it keeps this person's input over theirs.
    """

    status_code = 409

    def __init__(
        self,
        *,
        noun: str,
        version: int,
        changed_by: str = "",
        changed_at: datetime | None = None,
        changed_fields: Sequence[str] = (),
    ):
        self.noun = noun
        self.version = version
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.changed_fields = list(changed_fields)
        super().__init__(self.describe())

    def describe(self, labels: Mapping[str, str] | None = None) -> str:
        """The refusal in words, naming the changed fields (by their `labels`, leaving out those
        without one, when given)."""
        shown = [
            name if labels is None else labels[name]
            for name in self.changed_fields
            if labels is None or name in labels
        ]
        when = localtime(self.changed_at) if self.changed_at else None
        # The noun is in the catalogue where the error is raised (gettext_noop).
        return gettext(
            "This %(noun)s was changed%(who)s%(when)s%(what)s after you opened it, so your "
            "changes were not saved. Check them against theirs, then save again to keep yours."
        ) % {
            "noun": gettext(self.noun),
            "who": gettext(" by %(name)s") % {"name": self.changed_by} if self.changed_by else "",
            "when": gettext(" at %(time)s on %(day)s")
            % {"time": f"{when:%H:%M}", "day": f"{when:%d %b %Y}"}
            if when
            else "",
            "what": f" ({', '.join(shown)})" if shown else "",
        }


def refuse(refusal: DomainError | None) -> None:
    """Raise what a rule refused; None lets the action through.

    Each app states who may do what once, as `<action>_refusal(...)` functions in its selectors:
    the error the action would meet, or None. Its services raise it through here before they
    write, its pages before they read a form (and test it against None to offer a form at all),
    so the page, the API and the service refuse alike and with the same words.
    """
    if refusal is not None:
        raise refusal
