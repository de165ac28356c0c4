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
