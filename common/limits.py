"""How much the product accepts from a person or a client: one table, used by the forms, the
serializers, the filters and the API's JSON parser.

Each limit is far above what real use needs and low enough that the largest input allowed keeps
every page, export and dossier fast (tests/test_limits.py measures the review page and the dossier
at the maximum). Input past a limit is refused with a 400 and a message next to the field.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

# ---- text (characters) ---------------------------------------------------------------------------
#: One-line names: a title, a tool, a vendor, a model version.
NAME_MAX = 200
#: A short note: a reason, a condition, a verifier's comment, a waiver.
NOTE_MAX = 4_000
#: Free text: an answer, evidence, a rationale, a comment, an incident's description.
TEXT_MAX = 10_000
#: A search box or a text filter.
SEARCH_MAX = 200

# ---- lists (items) -------------------------------------------------------------------------------
#: Conditions attached to one vote.
CONDITIONS_MAX = 20
#: A multi-valued answer of an enumeration: channels, data categories, functions...
LIST_MAX = 50
#: Markets (country codes): a tool used worldwide says so in a hundred codes at most.
MARKETS_MAX = 100
#: Waivers with one decision: at most one per checklist item.
WAIVERS_MAX = 200

# ---- structure -----------------------------------------------------------------------------------
#: Nesting of a JSON body ({"conditions": [{...}]} is 3 deep).
JSON_DEPTH_MAX = 20

# ---- dates and ids -------------------------------------------------------------------------------
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
#: The largest key the databases store (a signed 64-bit integer).
ID_MAX = 2**63 - 1


def date_in_range(value: date) -> None:
    """A validator for forms and serializers alike: dates between DATE_MIN and DATE_MAX."""
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(
            gettext("Enter a date between %(min)s and %(max)s."),
            code="date_out_of_range",
            params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )


def list_within(values: list, limit: int = LIST_MAX) -> None:
    """Refuse a list longer than `limit` (for fields that parse a list from one line of text)."""
    if len(values) > limit:
        raise ValidationError(
            gettext("Give at most %(limit)d values (%(count)d given)."),
            code="too_many",
            params={"limit": limit, "count": len(values)},
        )
