"""Which checklist items a vendor's assessment answers, and its facts in plain words.

The inventory asks every vendor the same questions once (SPEC section 11); the checklist asks
each use case some of them again. An item listed here shows the facts of the vendors whose model
versions the use case runs, beside the team's answer: evidence for the verifier to weigh, never
a verification. An item the facts do not answer is not listed (retention at the vendor, the
vendor's documentation, the contract's change and exit terms: the assessment does not ask).

Pure: plain values in (a vendor's assessment as a mapping of its fields), sentences out. The
codes mean the same in checklist versions 1 and 2.
"""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.utils.dateformat import format as format_date
from django.utils.translation import gettext, gettext_lazy

from council.models import choice_labels
from inventory.choices import Certification, DataResidency, TrainsOnOurData

Facts = Mapping[str, Any]


def day(value: date) -> str:
    """A date as the pages write it: 3 Mar 2026."""
    return format_date(value, "j M Y")


def _dpa(facts: Facts) -> str:
    if not facts["dpa_signed"]:
        return gettext("No data processing agreement is signed.")
    signed_on = facts["dpa_signed_on"]
    if not signed_on:
        return gettext("A data processing agreement was signed (date not recorded).")
    return gettext("A data processing agreement was signed on %(day)s.") % {"day": day(signed_on)}


TRAINING_WORDS = {
    TrainsOnOurData.NO: gettext_lazy("The vendor does not train models on our data."),
    TrainsOnOurData.YES: gettext_lazy("The vendor trains models on our data."),
    TrainsOnOurData.OPT_OUT_AVAILABLE: gettext_lazy(
        "The vendor trains models on our data unless we opt out."
    ),
    TrainsOnOurData.UNKNOWN: gettext_lazy(
        "Whether the vendor trains models on our data is not known."
    ),
}


def _training(facts: Facts) -> str:
    unknown = TRAINING_WORDS[TrainsOnOurData.UNKNOWN]
    return str(TRAINING_WORDS.get(facts["trains_on_our_data"], unknown))


def _sub_processors(facts: Facts) -> str:
    names = [name for name in facts["sub_processors"] if name]
    if not names:
        return gettext("No sub-processors are recorded.")
    return gettext("Sub-processors: %(names)s.") % {"names": ", ".join(names)}


def _residency(facts: Facts) -> str:
    residency, detail = facts["data_residency"], facts["data_residency_detail"]
    if not residency:
        return gettext("Where the data is held is not recorded.")
    if residency == DataResidency.OTHER:
        where = detail or gettext("another country, not named")
        return gettext("Data is held in: %(place)s.") % {"place": where}
    place = str(DataResidency(residency).label)
    if detail:
        return gettext("Data is held in: %(place)s (%(detail)s).") % {
            "place": place,
            "detail": detail,
        }
    return gettext("Data is held in: %(place)s.") % {"place": place}


def _certifications(facts: Facts) -> str:
    codes = facts["certifications"]
    if not codes:
        return gettext("No certifications are recorded.")
    labels = ", ".join(choice_labels(codes, Certification))
    return gettext("Certifications: %(labels)s.") % {"labels": labels}


def _security_review(facts: Facts) -> str:
    review, reviewed_on = facts["security_review"].strip(), facts["security_reviewed_on"]
    if not review:
        return gettext("No security review is recorded.")
    if reviewed_on:
        return gettext("Security review (%(day)s): %(review)s") % {
            "day": day(reviewed_on),
            "review": review,
        }
    return gettext("Security review: %(review)s") % {"review": review}


# Item code -> the facts that answer it, in the order shown.
ITEM_FACTS: dict[str, tuple[Callable[[Facts], str], ...]] = {
    # A data processing agreement with the vendor is signed.
    "PRV-05": (_dpa,),
    # The vendor does not train on our data.
    "PRV-06": (_training,),
    # The vendor's sub-processors are listed.
    "PRV-07": (_sub_processors,),
    # Transfers outside the UK/EEA: where the vendor holds the data.
    "PRV-08": (_residency,),
    # The vendor passed our security assessment: certification or report, the review.
    "SEC-06": (_certifications, _security_review),
}

# The vendor fields the sentences read.
FACT_FIELDS = (
    "dpa_signed",
    "dpa_signed_on",
    "sub_processors",
    "data_residency",
    "data_residency_detail",
    "trains_on_our_data",
    "certifications",
    "security_review",
    "security_reviewed_on",
)


def answers_item(code: str) -> bool:
    """Whether a vendor's assessment says something about the item."""
    return code in ITEM_FACTS


def fact_sentences(code: str, facts: Facts) -> list[str]:
    """What the vendor's assessment says about the item, one sentence a fact; [] for an item it
    does not answer."""
    return [sentence(facts) for sentence in ITEM_FACTS.get(code, ())]
