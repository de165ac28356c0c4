"""Ids as clients send them: a number past what a database stores is no id of anything (a form
error or a 400 saying so, never a database error)."""

from common.limits import ID_MAX


def beyond_stored_ids(value: object) -> bool:
    """Whether `value` reads as a whole number outside 1..ID_MAX (anything else is left to the
    field's own checks)."""
    try:
        number = int(str(value))
    except ValueError:
        return False
    return not 0 < number <= ID_MAX
