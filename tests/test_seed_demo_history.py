"""seed_demo on a database whose audit trail is already in use: the demo's past cannot be dated
back behind later events (the trail stays in order of time), so it is dated today, and the
command says so. (The usual case, an empty database, is in test_seed_demo.py.)"""

from io import StringIO

from django.core.management import call_command

from audit.models import AuditEvent
from audit.services import audit_record, verify_chain
from registry.models import Deployment
from registry.selectors import is_overdue


def test_on_a_trail_in_use_the_demo_past_is_dated_today_and_the_command_says_so(db):
    audit_record(actor=None, action="configured", object_type="test")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "dated today, not 430 days ago" in out.getvalue()
    moments = list(AuditEvent.objects.order_by("seq").values_list("at", flat=True))
    assert moments == sorted(moments)
    assert list(verify_chain()) == []
    assert not [entry for entry in Deployment.objects.all() if is_overdue(entry)]
