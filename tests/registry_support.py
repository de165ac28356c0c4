"""Helpers for registry tests: the facts of a typical entry."""


def entry_data(business_owner, technical_owner, **overrides):
    """What a team types to record a deployment (registry.services.EDITABLE_FIELDS)."""
    return {
        "name": "Acme NBO",
        "vendor": "Acme",
        "model_version": "nbo-2026.3",
        "channels": ["email"],
        "markets": ["GB"],
        "business_owner": business_owner,
        "technical_owner": technical_owner,
        "human_oversight": "CRM team reviews weekly offer mix.",
        "customer_disclosure": "E-mail footer.",
        "data_categories": ["contact_details", "behavioural"],
        "monitoring_kpis": "Unsubscribe rate, complaints.",
        **overrides,
    }
