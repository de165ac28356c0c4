"""The registry in regulators' formats (SPEC section 8, issue 15 point 3): the US federal AI use
case inventory (`format=omb`), EU database records of Annex VIII Section A or B (`format=eu_db`), and
the public register `/transparency/registry.json`; each column mapped in docs/formats.md."""

import csv
import io
import json
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

import workflows
from audit.models import AuditEvent
from oversight import interop
from usecases.markets import EU_MEMBER_STATES

from .registry_support import entry_data, publish
from .reviews_support import approve_review

URL = "/api/v1/registry/export/"
REGISTER = "/transparency/registry.json"

# The columns of OMB's consolidated inventory, from its data dictionary (2025 inventory, M-25-21),
# written out here rather than read from the code, so that a drift in the code fails.
OMB_DICTIONARY_COLUMNS = [
    "agency", "agency_name", "id", "use_case_name", "agency_bureau", "contact_email",
    "is_withheld", "development_stage", "is_high_impact", "HI_justification", "topic_area",
    "classification", "problem_solved", "benefits", "system_outputs", "operational_date",
    "contracting_usage", "vendor_name", "have_ato", "system_name_ato", "data_description",
    "link_to_data", "has_pii", "pia_url", "demographic_features", "has_custom_code", "code_url",
    "hi_testing_conducted", "hi_assessment_completed", "hi_potential_impacts",
    "hi_independent_review", "hi_ongoing_monitoring", "hi_training_established",
    "hi_failsafe_presence", "hi_appeal_process", "hi_public_consultation",
]  # fmt: skip
# Annex VIII Section A, points 1 to 13.
ANNEX_VIII_A_POINTS = [
    "1_provider", "2_submitted_on_behalf_by", "3_authorised_representative",
    "4_trade_name_and_reference", "5_intended_purpose", "6_data_and_operating_logic",
    "7_status", "8_certificate", "9_certificate_copy", "10_member_states",
    "11_eu_declaration_of_conformity", "12_instructions_for_use", "13_more_information_url",
]  # fmt: skip
# Annex VIII Section B, points 1 to 9.
ANNEX_VIII_B_POINTS = [
    "1_provider", "2_submitted_on_behalf_by", "3_authorised_representative",
    "4_trade_name_and_reference", "5_intended_purpose", "6_art_6_3_conditions", "7_grounds",
    "8_status", "9_member_states",
]  # fmt: skip


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _omb_rows(response) -> tuple[list[str], list[dict]]:
    text = _body(response).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def _eu_rows(response) -> list[dict]:
    return json.loads(_body(response))["rows"]


def _assert_valid_selections(row: dict) -> None:
    for column, valid in interop.OMB_CHOICES.items():
        assert row[column] in ("", *valid), (column, row[column])


@pytest.fixture
def high_risk_entry(make_use_case, council, alice, owner):
    """An entry of a use case we provide, high risk under Annex III 5(b) (creditworthiness)."""
    use_case = make_use_case(
        "submitted",
        title="Credit limit scoring",
        operator_role="provider",
        sensitive_purposes=["creditworthiness"],
        markets=["EU", "GB"],
        capabilities=["predictive_scoring"],
        model_provenance="in_house",
    )
    use_case = approve_review(use_case.reviews.get(), alice)
    assert use_case.ai_act_class == "high_risk"
    return workflows.deployment_create(
        actor=alice,
        use_case=use_case,
        data=entry_data(owner, alice, name="Credit scorer", markets=["EU", "GB"]),
    )


@pytest.fixture
def not_high_risk_entry(make_use_case, council, alice, owner):
    """An entry of a use case we provide for recruitment (Annex III 4(a)), which we conclude is
    not high-risk under Art. 6(3): it drafts job adverts a recruiter edits, and profiles nobody."""
    use_case = make_use_case(
        "submitted",
        title="Job advert drafting",
        operator_role="provider",
        sensitive_purposes=["recruitment"],
        capabilities=["generative_content"],
        significant_decisions=False,
        markets=["IE", "DE", "US"],
        art_6_3_conditions=["narrow_procedural_task", "improves_human_activity"],
        art_6_3_grounds="It drafts job adverts from a recruiter's notes; the recruiter edits each.",
    )
    assert use_case.ai_act_class == "transparency" and use_case.risk_tier == "high"
    use_case = approve_review(use_case.reviews.get(), alice)
    return workflows.deployment_create(
        actor=alice,
        use_case=use_case,
        data=entry_data(owner, alice, name="Advert drafter", markets=["IE", "DE", "US"]),
    )


# --- OMB -------------------------------------------------------------------------------------


def test_the_omb_csv_has_the_inventory_columns_in_order(api, auditor, entry):
    response = api(auditor).get(URL, {"format": "omb"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith('.csv"')
    assert "registry-omb-" in response["Content-Disposition"]
    header, rows = _omb_rows(response)
    assert header == OMB_DICTIONARY_COLUMNS
    assert len(rows) == 1


@override_settings(ORGANISATION_NAME="Acme Telecom")
def test_an_entry_reads_as_an_inventory_row(api, auditor, entry, owner):
    _, (row,) = _omb_rows(api(auditor).get(URL, {"format": "omb"}))
    _assert_valid_selections(row)
    assert row["agency_name"] == "Acme Telecom"
    assert row["id"] == entry.reference
    assert row["use_case_name"] == entry.use_case.title
    assert row["agency_bureau"] == "Marketing"
    assert row["contact_email"] == owner.email
    assert row["is_withheld"] == "a) No"
    assert row["development_stage"].startswith("b) Pilot")
    assert row["is_high_impact"] == "c) Not high-impact"
    assert row["topic_area"] == "Other"  # marketing
    assert row["classification"].startswith("Classical/Predictive Machine Learning")
    assert row["problem_solved"] == entry.use_case.business_problem
    assert row["benefits"] == entry.use_case.expected_benefits
    assert row["contracting_usage"] == "a) Purchased from a vendor"
    assert row["vendor_name"] == "Acme"
    assert row["data_description"] == "Contact details; Behavioural (clicks, browsing, usage)"
    assert row["has_pii"] == "Yes"
    # Not high-impact: OMB asks none of the practices.
    assert all(row[column] == "" for column in OMB_DICTIONARY_COLUMNS if column.startswith("hi_"))


def test_a_high_impact_entry_answers_the_practices(api, auditor, high_risk_entry):
    _, (row,) = _omb_rows(api(auditor).get(URL, {"format": "omb"}))
    _assert_valid_selections(row)
    assert row["is_high_impact"] == "a) High-impact"
    assert row["contracting_usage"] == "b) Developed in-house"
    assert row["vendor_name"] == ""  # built in house: no vendor is involved
    assert row["has_custom_code"] == "Yes"
    assert row["hi_assessment_completed"] == "a) Yes"
    assert row["hi_independent_review"].startswith("b) Yes – by an agency AI oversight board")
    assert row["hi_testing_conducted"] == "b) In-progress"  # the pilot is not judged yet
    assert row["hi_ongoing_monitoring"].startswith("a) Yes, sufficient monitoring")
    assert row["hi_failsafe_presence"] == "a) Yes"
    assert row["hi_appeal_process"] == ""  # not on the public pages
    assert "Annex III" in row["hi_potential_impacts"]


def test_a_confidential_retired_entry_is_withheld_and_retired(
    api, auditor, make_use_case, council, alice, owner
):
    use_case = approve_review(
        make_use_case("submitted", confidential=True, functions=["contact_centre"]).reviews.get(),
        alice,
    )
    entry = workflows.deployment_create(
        actor=alice, use_case=use_case, data=entry_data(owner, alice, data_categories=["none"])
    )
    workflows.deployment_change_stage(
        actor=alice, deployment=entry, stage="retired", reason="Replaced by a new tool."
    )
    _, (row,) = _omb_rows(api(auditor).get(URL, {"format": "omb"}))
    _assert_valid_selections(row)
    assert row["is_withheld"] == "d) Other"
    assert row["development_stage"].startswith("d) Retired")
    assert row["topic_area"] == "Service Delivery"
    assert row["has_pii"] == "No"


# --- EU database -----------------------------------------------------------------------------


@override_settings(
    ORGANISATION_NAME="Acme Telecom",
    ORGANISATION_ADDRESS="1 Quay Street, Dublin",
    ORGANISATION_CONTACT="ai@acme.example",
)
def test_only_a_providers_high_risk_entry_has_an_annex_viii_record(
    api, auditor, entry, high_risk_entry
):
    response = api(auditor).get(URL, {"format": "eu_db"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "registry-eu-db-" in response["Content-Disposition"]
    (record,) = _eu_rows(response)  # the deployer's limited entry has none
    assert record["annex_viii_section"] == "A"
    assert record["reference"] == high_risk_entry.reference
    items = record["items"]
    assert list(items) == ANNEX_VIII_A_POINTS
    assert items["1_provider"] == {
        "name": "Acme Telecom",
        "address": "1 Quay Street, Dublin",
        "contact": "ai@acme.example",
    }
    assert items["4_trade_name_and_reference"]["trade_name"] == "Credit scorer"
    assert items["4_trade_name_and_reference"]["use_case"] == high_risk_entry.use_case.reference
    assert items["5_intended_purpose"]["functions"] == ["Predictive scoring"]
    assert items["7_status"] == "in service"
    # `EU` stands for every member state; GB is not one.
    assert items["10_member_states"] == sorted(EU_MEMBER_STATES)
    assert items["8_certificate"] is None and items["11_eu_declaration_of_conformity"] is None
    assert items["13_more_information_url"] is None  # not on the public pages


@override_settings(ORGANISATION_NAME="Acme Telecom")
def test_a_providers_art_6_3_conclusion_has_an_annex_viii_section_b_record(
    api, auditor, high_risk_entry, not_high_risk_entry
):
    rows = _eu_rows(api(auditor).get(URL, {"format": "eu_db"}))
    sections = {row["reference"]: row["annex_viii_section"] for row in rows}
    assert sections == {high_risk_entry.reference: "A", not_high_risk_entry.reference: "B"}
    (record,) = [row for row in rows if row["annex_viii_section"] == "B"]
    items = record["items"]
    assert list(items) == ANNEX_VIII_B_POINTS
    assert items["1_provider"]["name"] == "Acme Telecom"
    assert items["4_trade_name_and_reference"]["trade_name"] == "Advert drafter"
    assert items["5_intended_purpose"] == not_high_risk_entry.use_case.summary
    assert items["6_art_6_3_conditions"] == [
        "Art. 6(3)(a): it performs a narrow procedural task",
        "Art. 6(3)(b): it improves the result of a previously completed human activity",
    ]
    assert items["7_grounds"].startswith("It drafts job adverts from a recruiter's notes")
    assert items["8_status"] == "in service"
    assert items["9_member_states"] == ["DE", "IE"]


def test_a_deployers_conclusion_is_its_providers_to_register(api, auditor, not_high_risk_entry):
    UseCase = type(not_high_risk_entry.use_case)
    UseCase.objects.filter(pk=not_high_risk_entry.use_case_id).update(operator_role="deployer")
    assert _eu_rows(api(auditor).get(URL, {"format": "eu_db"})) == []


def test_the_more_information_url_is_the_public_page_once_published(
    api, auditor, high_risk_entry, alice, council
):
    publish(high_risk_entry, team_member=alice, chair=council["chair"], name="Credit limits")
    (record,) = _eu_rows(api(auditor).get(URL, {"format": "eu_db"}))
    url = f"http://testserver/transparency/{high_risk_entry.reference}/"
    assert record["items"]["13_more_information_url"] == url
    _, (row,) = _omb_rows(api(auditor).get(URL, {"format": "omb"}))
    assert row["hi_appeal_process"].startswith("a) Yes, an appropriate appeal process")


def test_member_states_are_the_markets_in_the_union():
    assert interop.member_states(["IE", "GB", "DE"]) == ["DE", "IE"]
    assert interop.member_states(["US"]) == []
    assert interop.member_states(None) == []


# --- Both exports ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["omb", "eu_db"])
def test_each_format_is_signed_and_audited(api, auditor, high_risk_entry, fmt):
    response = api(auditor).get(URL, {"format": fmt})
    manifest = json.loads(response["X-Export-Manifest"])
    assert manifest["format"] == fmt and manifest["rows"] == 1
    assert response["X-Export-Signature"]
    event = AuditEvent.objects.filter(action="exported", object_type="registry").latest("seq")
    assert event.changes["manifest"][1]["format"] == fmt


@pytest.mark.parametrize("fmt", ["omb", "eu_db"])
def test_a_format_of_today_refuses_as_of_with_a_field_message(api, auditor, entry, fmt):
    response = api(auditor).get(URL, {"format": fmt, "as_of": "2026-01-01"})
    assert response.status_code == 400
    assert "as_of" in response.json()


@pytest.mark.parametrize("who", ["alice", "owner", "outsider"])
def test_only_auditors_and_the_chair_export_the_formats(api, request, entry, who):
    user = request.getfixturevalue(who)
    assert api(user).get(URL, {"format": "omb"}).status_code == 403
    assert api(user).get(URL, {"format": "eu_db"}).status_code == 403


def test_filters_apply_to_the_formats(api, chair, entry, high_risk_entry):
    _, rows = _omb_rows(api(chair).get(URL, {"format": "omb", "risk_tier": "high"}))
    assert [row["id"] for row in rows] == [high_risk_entry.reference]


def test_the_command_writes_the_omb_csv(high_risk_entry, tmp_path):
    output = tmp_path / "inventory.csv"
    call_command(
        "export_registry", "--format", "omb", "--output", str(output), stdout=io.StringIO()
    )
    reader = csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig")))
    assert reader.fieldnames == OMB_DICTIONARY_COLUMNS
    (row,) = list(reader)
    assert row["id"] == high_risk_entry.reference
    with pytest.raises(CommandError, match="today's entries only"):
        call_command(
            "export_registry", "--format", "eu_db", "--as-of", "2026-01-01",
            "--output", str(tmp_path / "eu.json"),
        )  # fmt: skip


def test_docs_map_every_column_as_the_code_does():
    text = (Path(settings.BASE_DIR) / "docs" / "formats.md").read_text(encoding="utf-8")
    for target in (*interop.OMB_COLUMNS, *interop.ANNEX_VIII_A, *interop.ANNEX_VIII_B):
        assert f"| `{target.key}` | {target.header} | {target.source} |" in text, target.key


# --- The public register ---------------------------------------------------------------------


@pytest.fixture
def published(entry, alice, council):
    return publish(entry, team_member=alice, chair=council["chair"])


def test_anyone_reads_the_register_in_the_approved_words(client, published):
    response = client.get(REGISTER)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    register = response.json()
    assert register["schema"] == "transparency-register/1"
    assert register["organisation"]["name"] == settings.ORGANISATION_NAME
    (entry,) = register["entries"]
    assert entry["reference"] == published.reference
    assert entry["name"] == "Offers chosen for you"
    assert entry["what_it_does"] == "Chooses which offers you see first."
    assert entry["in_trial"] is True
    assert entry["channels"] == ["E-mail"]
    assert entry["url"] == f"http://testserver/transparency/{published.reference}/"
    assert entry["contest_url"].endswith("#complaint")
    assert register["next"] is None


def test_nothing_internal_reaches_the_register(client, published):
    text = client.get(REGISTER).content.decode()
    for internal in ("olivia.owner", "alice", "Marketing", "Acme NBO", "CRM team", "risk"):
        assert internal not in text


def test_unpublished_and_unapproved_entries_stay_off_the_register(client, published, alice):
    workflows.deployment_update(actor=alice, deployment=published, data={"published": False})
    assert client.get(REGISTER).json()["entries"] == []


def test_the_register_pages_by_reference(client, published, make_entry, alice, council):
    second = make_entry(name="Second")
    publish(second, team_member=alice, chair=council["chair"], name="Second tool")
    with mock.patch("registry.views.REGISTER_PAGE_SIZE", 1):
        first = client.get(REGISTER).json()
        assert [e["reference"] for e in first["entries"]] == [published.reference]
        assert first["next"] == f"http://testserver{REGISTER}?after={published.reference}"
        following = client.get(first["next"]).json()
    assert [e["reference"] for e in following["entries"]] == [second.reference]
    assert following["next"] is None


def test_a_cursor_that_is_not_a_reference_is_a_400(client, published):
    response = client.get(REGISTER, {"after": "not a reference'"})
    assert response.status_code == 400


def test_the_public_list_links_to_its_data(client, published):
    assert REGISTER in client.get("/transparency/").content.decode()


@pytest.mark.parametrize("fmt", ["omb", "eu_db"])
def test_the_query_count_does_not_grow_with_the_entries(api, auditor, high_risk_entry, fmt):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _body(api(auditor).get(URL, {"format": fmt}))
        return len(captured)

    queries()  # the first request also reads the user's roles, kept for the next ones
    once = queries()
    workflows.deployment_create(
        actor=high_risk_entry.use_case.created_by,
        use_case=high_risk_entry.use_case,
        data=entry_data(high_risk_entry.business_owner, high_risk_entry.technical_owner),
    )
    assert queries() == once
