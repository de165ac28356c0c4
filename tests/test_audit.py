import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, AuditEvent
from audit.services import audit_record, compute_hash, verify_chain
from council.models import RoleAssignment


def _tamper(event_id, **columns):
    """Alter a stored row behind the application's back, as someone with SQL access would."""
    table = AuditEvent._meta.db_table
    assignments = ", ".join(f"{column} = %s" for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks of this test's inserts must run before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        cursor.execute(
            f"UPDATE {table} SET {assignments} WHERE id = %s", [*columns.values(), event_id]
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_event_append_only")


@pytest.fixture
def three_events(alice):
    return [
        audit_record(actor=alice, action=f"step{i}", object_type="test", object_id=str(i))
        for i in (1, 2, 3)
    ]


def test_events_form_a_chain(three_events):
    first, second, third = three_events
    assert [e.seq for e in three_events] == [1, 2, 3]
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert list(verify_chain()) == []


def test_verify_audit_log_passes_on_an_intact_chain(three_events, capsys):
    call_command("verify_audit_log")
    assert "3 events verified" in capsys.readouterr().out


def test_verify_audit_log_names_the_first_altered_event_and_fails(three_events):
    _tamper(three_events[1].pk, action="innocent")
    with pytest.raises(CommandError, match=r"event #2: content does not match"):
        call_command("verify_audit_log")


def test_a_rehashed_forgery_is_caught_by_the_next_link(three_events):
    # The forger also recomputes the altered row's own hash; the next event still points at the old one.
    forged = AuditEvent.objects.get(pk=three_events[0].pk)
    forged.action = "forged"
    _tamper(forged.pk, action="forged", hash=compute_hash(forged.prev_hash, forged))
    broken = list(verify_chain())
    assert broken[0].seq == 2
    assert "prev_hash" in broken[0].reason


def test_the_model_refuses_updates_and_deletes(three_events):
    event = three_events[0]
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_updates_and_deletes_too(three_events):
    table = AuditEvent._meta.db_table
    statements = [f"UPDATE {table} SET action = 'x'", f"DELETE FROM {table}"]
    for statement in statements:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 3


def test_a_login_lockout_is_an_audit_event_without_the_password(client, alice):
    # Failed logins are counted by django-axes: only the lockout they lead to is an event
    # (tests/test_accounts.py).
    for _ in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong-guess"})
    event = AuditEvent.objects.get(action="login_locked_out")
    assert event.object_ref == "alice"
    assert "wrong-guess" not in str(event.changes)


def test_admin_changes_to_roles_are_audited(client, db):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(admin)
    response = client.post(
        "/admin/council/roleassignment/add/",
        {"user": admin.pk, "role": "privacy", "starts_on": "2026-01-01", "ends_on": ""},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="council.roleassignment")
    assert event.action == "created"
    assert event.actor == admin
    assert event.changes["role"] == [None, "privacy"]


def test_an_admin_change_records_only_what_changed(client, db):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(admin)
    row = {"user": admin.pk, "role": "privacy", "starts_on": "2026-01-01", "ends_on": ""}
    client.post("/admin/council/roleassignment/add/", row)
    assignment = RoleAssignment.objects.get()
    response = client.post(
        f"/admin/council/roleassignment/{assignment.pk}/change/", {**row, "ends_on": "2026-12-31"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="council.roleassignment", action="changed")
    assert event.changes == {"ends_on": [None, "2026-12-31"]}
