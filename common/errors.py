"""One family of domain errors, rendered by the API exception handler and by the pages."""


class DomainError(Exception):
    """A rule of the product refused the action; the message says why in plain words."""

    status_code = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(DomainError):
    status_code = 409


class ActionForbidden(DomainError):
    """The user may see the object but may not do this to it (403)."""

    status_code = 403


def refuse(refusal: DomainError | None) -> None:
    """Raise what a rule refused; None lets the action through.

    Each app states who may do what once, as `<action>_refusal(...)` functions in its selectors:
    the error the action would meet, or None. Its services raise it through here before they
    write, its pages before they read a form (and test it against None to offer a form at all),
    so the page, the API and the service refuse alike and with the same words.
    """
    if refusal is not None:
        raise refusal
