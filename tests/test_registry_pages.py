import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.limits import TEXT_MAX
from common.pages import ONCE_FIELD
from registry.models import Deployment

from .registry_support import entries_select
from .shared_world import entry_world

# Every test starts from one approved use case and its entry, built once (tests/shared_world.py).
pytestmark = pytest.mark.shared_world(build=entry_world)


def test_the_registry_lists_visible_entries_and_marks_overdue_ones(client, entry, auditor, charlie):
    Deployment.objects.filter(pk=entry.pk).update(next_review_due=datetime.date(2020, 1, 1))
    client.force_login(auditor)
    page = client.get("/registry/").content.decode()
    assert entry.reference in page and "Overdue" in page
    # The filters' empty choice reads "Any", as on the other lists.
    assert page.count('<option value="" selected>Any</option>') == 3 and "---------" not in page
    client.force_login(charlie)  # another team, not on the council: sees no entry of Marketing
    assert entry.reference not in client.get("/registry/").content.decode()
    assert client.get(f"/registry/{entry.pk}/").status_code == 404


def test_the_registry_list_reads_only_the_team_of_each_use_case(client, entry, auditor):
    client.force_login(auditor)
    with CaptureQueriesContext(connection) as context:
        page = client.get("/registry/").content.decode()
    listed = entries_select(context)
    assert '"usecases_usecase"."team_id"' in listed
    assert '"usecases_usecase"."summary"' not in listed
    assert entry.use_case.team.name in page


def test_the_entry_page_reports_an_incident_and_auditors_cannot(client, entry, alice, auditor):
    client.force_login(alice)
    assert "Report an incident" in client.get(f"/registry/{entry.pk}/").content.decode()
    client.post(
        f"/registry/{entry.pk}/incidents/",
        {"kind": "harmful_output", "severity": "critical", "description": "Bad"},
    )
    assert Deployment.objects.get(pk=entry.pk).stage == "suspended"
    client.force_login(auditor)
    assert "Report an incident" not in client.get(f"/registry/{entry.pk}/").content.decode()
    response = client.post(
        f"/registry/{entry.pk}/incidents/", {"kind": "other", "severity": "low", "description": "x"}
    )
    assert response.status_code == 403


def test_bad_incident_input_comes_back_next_to_its_field_with_the_text_typed(client, entry, alice):
    client.force_login(alice)
    typed = "The assistant promised a refund we do not offer."
    response = client.post(
        f"/registry/{entry.pk}/incidents/",
        {"kind": "ufo", "severity": "low", "description": typed, ONCE_FIELD: "tok-1"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    kind = page[page.index('id="field-kind"') :]
    assert "ufo is not one of the available choices" in kind[: kind.index("</select>")]
    assert f"{typed}</textarea>" in page
    # The form shown again carries a new one-time token, and the refused one was not used up.
    assert page.count(f'name="{ONCE_FIELD}"') == 1
    retried = {"kind": "other", "severity": "low", "description": typed, ONCE_FIELD: "tok-1"}
    assert client.post(f"/registry/{entry.pk}/incidents/", retried).status_code == 302
    assert list(entry.incidents.values_list("description", flat=True)) == [typed]


def test_an_incident_description_past_the_limit_is_refused_on_the_page(client, entry, alice):
    client.force_login(alice)
    response = client.post(
        f"/registry/{entry.pk}/incidents/",
        {"kind": "other", "severity": "low", "description": "x" * (TEXT_MAX + 1)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    description = page[page.index('id="field-description"') :]
    assert f"at most {TEXT_MAX} characters" in description[: description.index("</textarea>")]
    assert entry.incidents.count() == 0


# The registry page's queries, pinned: a change shows here.
LIST_QUERIES = 8


def test_the_registry_list_runs_constant_queries(client, entry, auditor, alice, owner):
    client.force_login(auditor)

    def count():
        with CaptureQueriesContext(connection) as context:
            client.get("/registry/")
        return len(context)

    count()  # warm the per-process caches (content types)
    few = count()
    for _ in range(5):
        Deployment.objects.create(
            **{
                f.name: getattr(entry, f.name)
                for f in Deployment._meta.concrete_fields
                if f.name not in {"id", "reference"}
            },
            reference=f"AI-9{Deployment.objects.count():03d}",
        )
    assert count() == few == LIST_QUERIES


def test_the_entry_page_speaks_in_labels_and_leads_auditors_to_the_dossier(
    client, entry, alice, auditor
):
    client.force_login(alice)
    for_team = client.get(f"/registry/{entry.pk}/").content.decode()
    client.force_login(auditor)
    for_auditor = client.get(f"/registry/{entry.pk}/").content.decode()

    assert "E-mail" in for_team and "Contact details, Behavioural" in for_team
    assert "contact_details" not in for_team
    assert f"/use-cases/{entry.use_case_id}/dossier/" in for_auditor
    assert f"/use-cases/{entry.use_case_id}/dossier/" not in for_team
