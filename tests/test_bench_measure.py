"""The benchmark's export reference reads the export's own SELECTs again, a streamed one too,
with the settings the export made for its read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.measure import _reads_again, _select_of
from bench.references import _dicts
from oversight import exports
from oversight.exports import RegistryFilters


def test_a_cursor_declaration_yields_the_select_it_runs():
    declared = 'DECLARE "_django_curs_1_sync_1" NO SCROLL CURSOR WITH HOLD FOR SELECT "a" FROM "b"'
    assert _select_of(declared) == 'SELECT "a" FROM "b"'
    assert _select_of("  SELECT 1 FOR UPDATE") == "SELECT 1 FOR UPDATE"
    assert _select_of("BEGIN") is None
    assert _select_of('INSERT INTO "t" SELECT 1') is None


def test_the_registry_exports_main_select_is_in_the_reference(db, entry):
    with CaptureQueriesContext(connection) as captured:
        assert len(list(exports.registry_rows(user=None, filters=RegistryFilters()))) == 1
    reads = [_select_of(query["sql"]) for query in captured.captured_queries]
    assert any(sql and 'FROM "registry_deployment"' in sql for sql in reads)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and settings: PostgreSQL's")
def test_the_reference_reads_under_the_settings_the_export_made(db):
    statements = ["SELECT set_config('jit', 'off', true)", "SELECT current_setting('jit')"]
    assert _reads_again(statements) == len(b"off\n") * 2  # COPY wrote "off" twice


def test_a_reference_reads_rows_by_column_name_on_either_database(db):
    assert _dicts("SELECT 1 AS one, 'x' AS other", []) == [{"one": 1, "other": "x"}]


@pytest.mark.parametrize("reference", ["audit", "api-audit-events"])
def test_the_audit_trails_references_keep_the_trails_readers(
    client, settings, council_member, auditor, chair, reference
):
    """A reference applies the rule its page applies: the trail is for auditors and the chair."""
    settings.ROOT_URLCONF = "bench.references"
    url = f"/bench-ref/{reference}/"
    client.force_login(council_member)
    assert client.get(url).status_code == 403
    for reader in (auditor, chair):
        client.force_login(reader)
        assert client.get(url).status_code == 200
