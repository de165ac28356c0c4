"""What a use case must answer before it can be submitted: a pure function of its answers.

Drafts save with any subset of answers; submitting calls `submission_errors` and shows every
problem at once, next to its field. The web form and the API share it.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .markets import unknown_markets
from .risk import A, prohibited_reasons

REQUIRED_TEXT = {
    "title": _("Give the use case a short title."),
    "summary": _("Summarise what the AI does in a few sentences."),
    "business_problem": _("Describe the customer or business problem it solves."),
    "tool_name": _("Name the tool or model (for example the product name)."),
    "expected_benefits": _("Say what you expect to gain."),
    "kpis": _("Name the metrics you will track (for example CSAT, retention, lifetime value)."),
    "pilot_plan": _("Describe the pilot: scope, duration and success criteria."),
}
REQUIRED_CHOICE = {
    "team": _("Choose the team that owns this use case."),
    "business_owner": _("Name the accountable business owner."),
    "model_provenance": _("Say where the model comes from."),
    "automation_level": _("Say how much a person stays involved."),
    "operator_role": _(
        "Say whether we only use the system (deployer) or build it or put our name on it (provider)."
    ),
    "people_affected": _("Estimate how many people it affects."),
}
REQUIRED_LIST = {
    "functions": _("Choose at least one business function."),
    "journey_stages": _("Choose at least one stage of the customer journey."),
    "channels": _("Choose at least one channel."),
    "capabilities": _("Choose at least one AI capability."),
    "data_categories": _("Choose the data it uses, or 'No personal data'."),
    "affected_people": _("Choose who is affected."),
    "markets": _(
        "List the countries where it is used or its output reaches people, e.g. IE, GB (EU for every member state)."
    ),
}
REQUIRED_YES_NO = {
    "customer_facing": _(
        "Answer yes or no: does it interact with or produce content for customers?"
    ),
    "significant_decisions": _(
        "Answer yes or no: does it make or influence significant decisions about people?"
    ),
    "vulnerable_groups": _(
        "Answer yes or no: are children or vulnerable customers targeted or likely affected?"
    ),
    "outbound_contact": _(
        "Answer yes or no: does it call or message people without them asking first?"
    ),
}


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set):
        return not value
    return value is None


def _consistency_errors(a: Mapping[str, Any]) -> dict[str, str]:
    data = set(a.get("data_categories") or ())
    capabilities = set(a.get("capabilities") or ())
    errors = {}
    unknown = unknown_markets(a.get("markets") or ())
    if unknown:
        errors["markets"] = gettext(
            "Not a country code: %(codes)s. Use ISO codes such as IE, GB, DE, or EU."
        ) % {"codes": ", ".join(unknown)}
    if "biometric" in data and not a.get("biometric_use"):
        errors["biometric_use"] = gettext(
            "It uses biometric data: say whether it verifies, identifies or categorises people."
        )
    if a.get("biometric_use") and "biometric" not in data:
        errors["biometric_use"] = gettext("Only answer this when it uses biometric data.")
    if "none" in data and len(data) > 1:
        errors["data_categories"] = gettext(
            "'No personal data' cannot be combined with other data categories."
        )
    if "children" in data and a.get("vulnerable_groups") is False:
        errors["vulnerable_groups"] = gettext(
            "Children's data is used, so children are affected: answer yes or remove children's data."
        )
    if a.get("customer_facing") and _blank(a.get("customer_disclosure")):
        errors["customer_disclosure"] = gettext(
            "It is customer-facing: say how customers are told AI is involved."
        )
    if capabilities & {"chatbot", "voice_agent"} and _blank(a.get("human_escalation")):
        errors["human_escalation"] = gettext(
            "A chatbot or voice agent needs a way for customers to reach a person."
        )
    if (
        a.get("model_provenance")
        and a.get("model_provenance") != "in_house"
        and _blank(a.get("vendor"))
    ):
        errors["vendor"] = gettext(
            "Name the vendor or model provider (only in-house models have none)."
        )
    if capabilities & {"chatbot", "voice_agent"} and a.get("customer_facing") is False:
        errors["customer_facing"] = gettext(
            "A chatbot or voice agent talks to customers: answer yes, or change the capabilities."
        )
    return errors


def _art_6_3_errors(answers: Mapping[str, Any]) -> dict[str, str]:
    """A conclusion under EU AI Act Art. 6(3) needs a system of Annex III, its grounds, and
    nothing the derogation excludes."""
    a = A(answers)
    if not a.art_6_3_conditions:
        if _blank(answers.get("art_6_3_grounds")):
            return {}
        return {
            "art_6_3_grounds": gettext(
                "Tick the condition of Art. 6(3) these grounds rest on, or leave the grounds empty."
            )
        }
    if not a.annex_iii_rules:
        return {
            "art_6_3_conditions": gettext(
                "Only a system the EU AI Act lists in Annex III (a purpose above, biometric "
                "identification or categorisation, emotion recognition) can be concluded not "
                "high-risk: untick the conditions."
            )
        }
    errors = {}
    if _blank(answers.get("art_6_3_grounds")):
        errors["art_6_3_grounds"] = gettext("Summarise the grounds on which it is not high-risk.")
    refusals = [f"It {rule.reason} ({rule.source})." for rule in a.art_6_3_refusals]
    if refusals:
        errors["art_6_3_conditions"] = " ".join(
            [
                *refusals,
                gettext("Untick the conditions, or change the answer that stands against them."),
            ]
        )
    return errors


def submission_errors(answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every missing or inconsistent answer, as {field: [messages]} (empty when submittable)."""
    errors: dict[str, list[str]] = {}
    for group, check in (
        (REQUIRED_TEXT, _blank),
        (REQUIRED_CHOICE, _blank),
        (REQUIRED_LIST, _blank),
        (REQUIRED_YES_NO, lambda value: value is None),
    ):
        for name, message in group.items():
            if check(answers.get(name)):
                errors.setdefault(name, []).append(str(message))  # in the request's language
    for source in (
        _consistency_errors(answers),
        _art_6_3_errors(answers),
        prohibited_reasons(answers),
    ):
        for name, problem in source.items():
            errors.setdefault(name, []).append(problem)
    return errors
