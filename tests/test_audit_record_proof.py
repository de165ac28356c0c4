"""A record that proves itself (issue 11, points 1-4): the database refuses rewrites even to the
application's own role, signed checkpoints in a witness expose what a rewrite leaves behind, and
a bundle verifies at home with verify.py alone."""

import base64
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit import signing, verify
from audit.checkpoints import (
    checkpoint_write,
    latest_checkpoint,
    record_verification,
    witness_path,
)
from audit.models import AuditEvent
from audit.services import audit_record, chain_head
from audit.tasks import write_checkpoint

from .audit_tampering import append_only_guard_lifted, rehash_from, rewrite_table, stored_rows

TABLE = AuditEvent._meta.db_table
POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles are PostgreSQL's"
)


@pytest.fixture
def events(alice):
    return [
        audit_record(
            actor=alice, action=f"step{i}", object_type="test", changes={"n": [None, f"é{i}"]}
        )
        for i in range(1, 11)
    ]


def tamper(rows):
    with append_only_guard_lifted(connection):
        rewrite_table(rows)


def verification_message():
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit_log")
    return str(failure.value)


# --- 1. The database refuses ---------------------------------------------------------------------


@pytest.mark.parametrize("statement", [f"UPDATE {TABLE} SET action = 'x'", f"DELETE FROM {TABLE}"])
def test_the_database_refuses_update_and_delete_on_either_database(events, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert AuditEvent.objects.count() == 10


@POSTGRES_ONLY
def test_postgresql_refuses_truncate_even_to_the_owner(events):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # this test's own inserts first
        cursor.execute(f"TRUNCATE {TABLE}")

    assert AuditEvent.objects.count() == 10


@pytest.fixture
def as_app_role(events):
    """The test's connection acting as the application's role (the owner is a member of it)."""
    role = settings.DATABASE_APP_ROLE
    if not role:
        pytest.skip("DATABASE_APP_ROLE is not set (bin/dev-services env sets it)")
    quoted = connection.ops.quote_name(role)

    def run(statement):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {quoted}")
            cursor.execute(statement)

    return run


@POSTGRES_ONLY
@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET action = 'x'",
        f"DELETE FROM {TABLE}",
        f"TRUNCATE {TABLE}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER USER",
        f"DROP TRIGGER audit_event_append_only ON {TABLE}",
        f"DROP TABLE {TABLE}",
    ],
)
def test_the_application_role_cannot_rewrite_or_unguard_the_trail(as_app_role, statement):
    with pytest.raises(DatabaseError, match="permission denied|must be owner"):
        as_app_role(statement)

    assert AuditEvent.objects.count() == 10


@POSTGRES_ONLY
def test_the_application_role_appends_and_reads_and_writes_other_tables(as_app_role, alice):
    quoted = connection.ops.quote_name(settings.DATABASE_APP_ROLE)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {quoted}")
        audit_record(actor=alice, action="as_app_role", object_type="test")
        cursor.execute("UPDATE auth_user SET first_name = 'Alicia' WHERE id = %s", [alice.pk])
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == settings.DATABASE_APP_ROLE

    assert chain_head().seq == 11
    assert next(iter(record_verification_breaks()), None) is None


def record_verification_breaks():
    broken = record_verification().broken
    return [] if broken is None else [broken]


def test_flush_refuses_outside_a_test_database(db, monkeypatch):
    monkeypatch.setattr(connection.creation, "_get_test_db_name", lambda: "production")

    with pytest.raises(CommandError, match="append-only"):
        call_command("flush", interactive=False)


# --- 2. Signed checkpoints -----------------------------------------------------------------------


def test_a_checkpoint_is_signed_and_appended_to_the_witness(events):
    checkpoint = checkpoint_write()

    lines = witness_path().read_text().splitlines()
    assert [json.loads(line) for line in lines] == [checkpoint]
    assert (checkpoint["seq"], checkpoint["hash"]) == (10, events[-1].hash)
    assert verify.checkpoint_problem(signing.public_key(), checkpoint) is None
    forged = {**checkpoint, "seq": 3}
    assert "invalid signature" in verify.checkpoint_problem(signing.public_key(), forged)


def test_verify_audit_log_reports_the_checkpoints_it_checked(events, capsys):
    checkpoint_write()
    call_command("verify_audit_log")

    out = capsys.readouterr().out
    assert "10 events verified against 1 signed checkpoints" in out
    assert "covers #10" in out


def test_deleting_the_tail_is_reported_against_the_checkpoint(events):
    checkpoint_write()
    tamper(stored_rows()[:5])

    message = verification_message()

    assert "event #6" in message and "deleted from the tail" in message


def test_truncating_the_table_is_reported(events):
    checkpoint_write()
    tamper([])

    assert "covers up to #10 but the chain ends at #0" in verification_message()


def test_rehashing_the_whole_chain_is_reported(events):
    checkpoint_write()
    rows = stored_rows()
    rows[0] = {**rows[0], "action": "never_happened"}
    tamper(rehash_from(rows, 0))

    message = verification_message()
    assert "differs from the signed checkpoint" in message and "event #1" in message


def test_without_a_checkpoint_a_rehash_goes_unseen_which_the_command_says(events, capsys):
    # The window after the latest checkpoint (docs/audit-format.md): said, not hidden.
    call_command("verify_audit_log")

    assert "no signed checkpoint yet" in capsys.readouterr().out


def test_an_altered_witness_line_is_reported(events):
    checkpoint_write()
    line = json.loads(witness_path().read_text())
    witness_path().write_text(json.dumps({**line, "seq": 4}) + "\n")

    assert "witness line 1" in verification_message()


def test_every_export_writes_a_checkpoint(api, auditor, events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(auditor).get("/api/v1/registry/export/?format=json")
        b"".join(response.streaming_content)

    lines = witness_path().read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["seq"] == chain_head().seq


def test_the_scheduler_writes_a_checkpoint_every_hour(events):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]
    assert entry["task"] == "audit.tasks.write_checkpoint"
    assert entry["schedule"].minute == {0} and len(entry["schedule"].hour) == 24

    assert write_checkpoint() == 10
    assert len(witness_path().read_text().splitlines()) == 1


def test_the_checkpoint_command(events, capsys):
    call_command("audit_checkpoint")

    assert "Checkpoint of event #10" in capsys.readouterr().out


def test_the_development_key_is_created_on_first_use_and_kept(tmp_path, settings, caplog):
    settings.AUDIT_SIGNING_KEY = str(tmp_path / "new-key.pem")

    first = signing.key_id()

    assert "Generated a new audit signing key" in caplog.text
    assert (tmp_path / "new-key.pem").stat().st_mode & 0o777 == 0o600
    assert signing.key_id() == first


# --- 4. The public key and signed manifests -------------------------------------------------------


def test_auditors_and_the_chair_get_the_public_key_and_others_do_not(client, auditor, chair, alice):
    for user in (auditor, chair):
        client.force_login(user)
        response = client.get("/audit/public-key.pem")
        assert response.status_code == 200
        assert response.content == signing.public_key_pem()
        assert response["X-Key-Id"] == signing.key_id()
    client.force_login(alice)
    assert client.get("/audit/public-key.pem").status_code in (302, 403)


# --- 3. The offline bundle -----------------------------------------------------------------------


def bundle_bytes(api, user, query=""):
    response = api(user).get(f"/api/v1/audit-events/export/?format=bundle{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content), response


def bundle_files(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# verify.py run as an auditor would: its own folder, isolated from this project, and nothing
# of Django (or of the app) importable.
OFFLINE = """
import importlib.abc, runpy, sys
class Offline(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in {"django", "rest_framework", "audit", "config", "oversight"}:
            raise ImportError(name + " is not available offline")
sys.meta_path.insert(0, Offline())
sys.argv = ["verify.py", *sys.argv[1:]]
runpy.run_path("verify.py", run_name="__main__")
"""


def run_offline(folder: Path, *args):
    return subprocess.run(
        [sys.executable, "-I", "-c", OFFLINE, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def offline(tmp_path, events, api, auditor):
    """A bundle of the whole chain, with the verify.py it ships, in a folder of its own."""
    checkpoint_write()
    data, response = bundle_bytes(api, auditor)
    (tmp_path / "verify.py").write_bytes(bundle_files(data)["verify.py"])
    (tmp_path / "key.pem").write_bytes(signing.public_key_pem())

    def check(files=None, *extra):
        (tmp_path / "bundle.zip").write_bytes(data if files is None else zipped(files))
        return run_offline(tmp_path, "bundle.zip", "--public-key", "key.pem", *extra)

    check.files = bundle_files(data)
    check.response = response
    return check


def test_the_bundle_holds_what_the_spec_lists_and_verifies_offline(offline):
    assert set(offline.files) == {
        "events.jsonl", "checkpoints.jsonl", "manifest.json", "manifest.sig",
        "public_key.pem", "verify.py",
    }  # fmt: skip
    events = [json.loads(line) for line in offline.files["events.jsonl"].splitlines()]
    assert [e["seq"] for e in events] == list(range(1, 11))
    assert all(e["actor"] is not None for e in events)  # the numeric id the hash covers

    result = offline()

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 10 events (#1 to #10), the whole chain")


def test_the_bundle_response_carries_its_signed_manifest(offline):
    manifest = json.loads(offline.response["X-Export-Manifest"])
    assert manifest == json.loads(offline.files["manifest.json"])
    assert signing.manifest_signature_valid(manifest, offline.response["X-Export-Signature"])
    assert not signing.manifest_signature_valid(
        {**manifest, "rows": 9}, offline.response["X-Export-Signature"]
    )


def test_the_bundle_export_is_audited(offline):
    event = AuditEvent.objects.filter(action="exported").get()
    assert event.changes["manifest"][1]["format"] == "bundle"


def lines_of(files, name):
    return [json.loads(line) for line in files[name].splitlines()]


def with_events(files, events):
    return {**files, "events.jsonl": "".join(verify.canonical_json(e) + "\n" for e in events)}


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        ("alter", "events.jsonl: does not match its SHA-256"),
        ("delete", "events.jsonl: does not match its SHA-256"),
        ("reorder", "events.jsonl: does not match its SHA-256"),
        ("manifest", "manifest.sig: does not sign manifest.json"),
        ("drop checkpoint", "checkpoints.jsonl: does not match its SHA-256"),
        ("rehash and fix the manifest", "manifest.sig: does not sign manifest.json"),
        ("another key", "public_key.pem: is not the key given with --public-key"),
        ("missing file", "the bundle lacks verify.py"),
    ],
)
def test_verify_py_reports_each_tampering_of_a_bundle(offline, change, reported):
    files = dict(offline.files)
    events = lines_of(files, "events.jsonl")
    manifest = json.loads(files["manifest.json"])
    if change == "alter":
        events[3]["action"] = "nothing_happened"
        files = with_events(files, events)
    elif change == "delete":
        files = with_events(files, events[:4] + events[5:])
    elif change == "reorder":
        files = with_events(files, [events[1], events[0], *events[2:]])
    elif change == "manifest":
        files["manifest.json"] = verify.canonical_json({**manifest, "rows": 9}).encode()
    elif change == "drop checkpoint":
        files["checkpoints.jsonl"] = b""
    elif change == "rehash and fix the manifest":
        files = with_events(files, rehash_from([{**events[0], "action": "x"}, *events[1:]], 0))
        manifest["files"]["events.jsonl"] = hashlib.sha256(
            files["events.jsonl"].encode()
        ).hexdigest()
        files["manifest.json"] = verify.canonical_json(manifest).encode()
    elif change == "another key":
        files = resigned_with_another_key(files, manifest)
    elif change == "missing file":
        del files["verify.py"]

    result = offline(files)

    assert result.returncode != 0
    assert reported in result.stderr


def resigned_with_another_key(files, manifest):
    """A forger's bundle: altered, then signed again with a key of their own, put inside."""
    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    events = lines_of(files, "events.jsonl")
    files = with_events(files, rehash_from([{**events[0], "action": "x"}, *events[1:]], 0))
    files = {**files, "public_key.pem": pem, "checkpoints.jsonl": b""}
    last = lines_of(files, "events.jsonl")[-1]
    manifest = {
        **manifest,
        "audit_chain_head": {"seq": last["seq"], "hash": last["hash"]},
        "key_id": verify.key_id(key.public_key()),
        "files": {
            name: hashlib.sha256(
                files[name] if isinstance(files[name], bytes) else files[name].encode()
            ).hexdigest()
            for name in verify.BUNDLE_FILES
        },
    }
    files["manifest.json"] = verify.canonical_json(manifest).encode()
    signature = key.sign(verify.signed_message(verify.MANIFEST_CONTEXT, manifest))
    files["manifest.sig"] = base64.b64encode(signature)
    return files


def test_without_the_pinned_key_a_resigned_bundle_shows_another_key_id(offline, tmp_path):
    manifest = json.loads(offline.files["manifest.json"])
    (tmp_path / "forged.zip").write_bytes(
        zipped(resigned_with_another_key(offline.files, manifest))
    )

    result = run_offline(tmp_path, "forged.zip")

    # It is consistent with the key it carries: the key id printed is not the installation's.
    assert result.returncode == 0
    assert signing.key_id() not in result.stdout
    assert "not pinned" in result.stdout


def test_a_filtered_bundle_verifies_its_own_events(api, auditor, alice, events, tmp_path):
    audit_record(actor=auditor, action="other", object_type="elsewhere")
    data, _ = bundle_bytes(api, auditor, "&object_type=test")
    files = bundle_files(data)
    (tmp_path / "verify.py").write_bytes(files["verify.py"])
    (tmp_path / "slice.zip").write_bytes(data)

    result = run_offline(tmp_path, "slice.zip")

    assert result.returncode == 0, result.stderr
    assert "a filtered slice" in result.stdout
    assert json.loads(files["manifest.json"])["complete"] is False


def test_team_members_cannot_export_a_bundle(api, alice, events):
    response = api(alice).get("/api/v1/audit-events/export/?format=bundle")

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="exported").exists()


def test_a_bundle_of_a_tampered_database_is_signed_but_does_not_verify(offline, api, auditor):
    # The insider rewrites the database after a checkpoint; the app then signs what it holds,
    # and verify.py still reports the rewrite from the checkpoints the bundle carries.
    rows = stored_rows()
    rows[2] = {**rows[2], "action": "nothing_happened"}
    tamper(rehash_from(rows, 2))
    data, _ = bundle_bytes(api, auditor)

    broken = next(verify.bundle_breaks(verify_bundle(data), signing.public_key_pem()), None)

    assert broken is not None and "differs from the signed checkpoint" in str(broken)


def verify_bundle(data):
    path = Path(settings.AUDIT_WITNESS_PATH).with_name("read.zip")
    path.write_bytes(data)
    return verify.read_bundle(str(path))


def test_a_pinned_key_that_is_not_a_key_is_said_plainly(offline, tmp_path):
    offline()  # writes bundle.zip beside verify.py
    (tmp_path / "wrong.pem").write_text("not a key")

    result = run_offline(tmp_path, "bundle.zip", "--public-key", "wrong.pem")

    assert result.returncode == 2
    assert result.stderr.startswith("UNREADABLE:") and "Traceback" not in result.stderr


def test_the_latest_checkpoint_is_read_from_the_end_of_a_long_witness(events):
    for _ in range(60):  # well over the few kilobytes read from the end
        checkpoint_write()
    audit_record(actor=None, action="later", object_type="test")
    last = checkpoint_write()
    assert witness_path().stat().st_size > 8192

    assert latest_checkpoint() == last
    with witness_path().open("a") as witness:
        witness.write("not json\n")
    assert latest_checkpoint() == last
