"""The inventory's pages: everyone signed in reads vendors and models; the council adds and
edits them; a team proposes a model or a version; an auditor and a stranger change nothing."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from inventory.models import AiModel, ModelVersion, Vendor

from .inventory_support import AiModelFactory, ModelVersionFactory, VendorFactory

pytestmark = pytest.mark.usefixtures("db")


def _vendor_form(**overrides):
    form = {
        "name": "Acme AI",
        "website": "https://acme.example.com",
        "dpa_signed": "on",
        "dpa_signed_on": "2025-03-01",
        "sub_processors": "Cloud Hosting Ltd\nMail Relay GmbH",
        "data_residency": "eu_eea",
        "trains_on_our_data": "no",
        "certifications": ["iso_27001", "iso_42001"],
        "assessed_on": str(timezone.localdate() - timedelta(days=5)),
        "next_assessment_due": str(timezone.localdate() + timedelta(days=360)),
    }
    form.update(overrides)
    return form


def _once_token(page) -> str:
    return re.search(r'name="once_token" value="([^"]+)"', page.content.decode()).group(1)


def test_the_navigation_leads_to_vendors_and_models(login, alice):
    page = login(alice).get("/").content.decode()
    assert 'href="/vendors/"' in page
    assert 'href="/models/"' in page


def test_strangers_are_sent_to_log_in(client):
    for url in ("/vendors/", "/models/", "/vendors/new/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_vendor_list_marks_lapsed_assessments_and_filters_them(login, alice):
    VendorFactory(name="Acme")
    VendorFactory(name="Globex", next_assessment_due=timezone.localdate() - timedelta(days=3))
    client = login(alice)

    page = client.get("/vendors/").content.decode()
    lapsed = client.get("/vendors/?assessment_lapsed=true").content.decode()

    assert "Acme" in page and "Globex" in page
    assert page.count("Assessment lapsed") == 1
    assert "Globex" in lapsed and "Acme" not in lapsed
    assert '<option value="" selected>Any</option>' in page
    # A team member reads, and is not offered to add a vendor.
    assert "Add a vendor" not in page


def test_a_council_member_adds_a_vendor_once(login, council_member):
    client = login(council_member)
    form = _vendor_form(once_token=_once_token(client.get("/vendors/new/")))

    first = client.post("/vendors/new/", form)
    again = client.post("/vendors/new/", form)

    vendor = Vendor.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/vendors/{vendor.pk}/"
    assert again.status_code == 302
    assert vendor.sub_processors == ["Cloud Hosting Ltd", "Mail Relay GmbH"]
    assert vendor.certifications == ["iso_27001", "iso_42001"]
    assert AuditEvent.objects.filter(object_type="inventory.vendor", action="created").count() == 1


def test_bad_input_comes_back_next_to_its_field(login, chair):
    VendorFactory(name="Acme AI")

    response = login(chair).post(
        "/vendors/new/",
        _vendor_form(name="ACME ai", data_residency="mars", dpa_signed_on="not a day"),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"data_residency", "dpa_signed_on"}
    # The name is checked by the service once the form is clean.
    response = login(chair).post("/vendors/new/", _vendor_form(name="ACME ai"))
    assert response.status_code == 400
    assert "already in the inventory" in response.context["form"].errors["name"][0]
    assert Vendor.objects.count() == 1


def test_a_team_member_may_not_add_or_edit_a_vendor(login, alice):
    vendor = VendorFactory()
    client = login(alice)

    assert client.get("/vendors/new/").status_code == 403
    assert client.post("/vendors/new/", _vendor_form()).status_code == 403
    assert client.get(f"/vendors/{vendor.pk}/edit/").status_code == 403
    assert client.post(f"/vendors/{vendor.pk}/edit/", _vendor_form()).status_code == 403
    vendor.refresh_from_db()
    assert vendor.name != "Acme AI"


def test_an_auditor_reads_and_changes_nothing(login, auditor):
    vendor = VendorFactory()
    model = AiModelFactory(vendor=vendor)
    client = login(auditor)

    assert client.get(f"/vendors/{vendor.pk}/").status_code == 200
    assert client.get(f"/vendors/{vendor.pk}/edit/").status_code == 403
    assert client.get("/models/new/").status_code == 403
    assert client.post(f"/models/{model.pk}/versions/new/", {"version": "2"}).status_code == 403
    assert not ModelVersion.objects.exists()


def test_the_vendor_page_shows_the_assessment_its_models_and_their_versions(login, alice):
    vendor = VendorFactory(
        name="Acme",
        assessed_on=None,
        next_assessment_due=None,
        certifications=["soc2_type_ii"],
        sub_processors=["Cloud Hosting Ltd"],
    )
    model = AiModelFactory(vendor=vendor, name="Nova")
    ModelVersionFactory(model=model, version="2026-04")

    page = login(alice).get(f"/vendors/{vendor.pk}/").content.decode()

    assert "Assessment lapsed: never assessed" in page
    assert "SOC 2 Type II" in page and "Cloud Hosting Ltd" in page
    assert "Nova" in page and "2026-04" in page
    assert "Propose a model" in page
    assert "Edit the assessment" not in page


def test_the_council_edits_an_assessment(login, chair):
    vendor = VendorFactory(name="Acme")
    client = login(chair)
    assert client.get(f"/vendors/{vendor.pk}/edit/").status_code == 200

    response = client.post(
        f"/vendors/{vendor.pk}/edit/",
        _vendor_form(name="Acme", trains_on_our_data="opt_out_available", version="1"),
    )

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.trains_on_our_data == "opt_out_available"
    assert vendor.version == 2


def test_an_edit_over_a_newer_save_is_refused_and_says_who(login, chair, council_member):
    vendor = VendorFactory(name="Acme")
    login(council_member).post(
        f"/vendors/{vendor.pk}/edit/", _vendor_form(name="Acme", version="1")
    )

    response = login(chair).post(
        f"/vendors/{vendor.pk}/edit/", _vendor_form(name="Acme Corp", version="1")
    )

    assert response.status_code == 409
    assert "eli.ethics" in response.content.decode()
    vendor.refresh_from_db()
    assert vendor.name == "Acme"


def test_a_team_member_proposes_a_model_and_a_version(login, alice):
    vendor = VendorFactory()
    client = login(alice)
    form_page = client.get(f"/models/new/?vendor={vendor.pk}")
    assert "Propose a model" in form_page.content.decode()

    response = client.post(
        "/models/new/", {"vendor": vendor.pk, "name": "Nova", "model_type": "llm"}
    )
    model = AiModel.objects.get()
    version_response = client.post(f"/models/{model.pk}/versions/new/", {"version": "1.1"})

    assert response.status_code == 302
    assert model.proposed
    assert version_response.status_code == 302
    assert model.versions.get().proposed
    page = client.get(f"/models/{model.pk}/").content.decode()
    assert "waiting for the council to confirm it" in page
    assert "Confirm the model" not in page


def test_the_council_confirms_what_a_team_proposed(login, chair, alice):
    model = AiModelFactory(proposed=True)
    version = ModelVersionFactory(model=model, proposed=True)

    assert login(alice).post(f"/models/{model.pk}/confirm/").status_code == 403
    client = login(chair)
    assert "Confirm the model" in client.get(f"/models/{model.pk}/").content.decode()
    client.post(f"/models/{model.pk}/confirm/")
    client.post(f"/models/{model.pk}/versions/{version.pk}/confirm/")

    model.refresh_from_db()
    version.refresh_from_db()
    assert not model.proposed and not version.proposed
    again = client.post(f"/models/{model.pk}/confirm/", follow=True)
    assert "already confirmed" in again.content.decode()


def test_a_model_form_with_an_unknown_type_shows_the_error(login, chair):
    response = login(chair).post("/models/new/", {"name": "m", "model_type": "oracle"})
    assert response.status_code == 400
    assert "model_type" in response.context["form"].errors
    assert not AiModel.objects.exists()


def test_a_duplicate_version_shows_the_error(login, chair):
    version = ModelVersionFactory(version="v2")
    response = login(chair).post(f"/models/{version.model_id}/versions/new/", {"version": "V2"})
    assert response.status_code == 400
    assert "already has this version" in response.context["form"].errors["version"][0]


def test_someone_in_no_team_may_not_propose(login, outsider):
    model = AiModelFactory()
    assert login(outsider).get(f"/models/{model.pk}/versions/new/").status_code == 403
    assert "Propose a version" not in login(outsider).get(f"/models/{model.pk}/").content.decode()


def test_the_model_page_lists_versions_newest_first(login, alice):
    model = AiModelFactory(name="Nova")
    now = timezone.now()
    ModelVersionFactory(model=model, version="old-one", recorded_at=now - timedelta(days=9))
    ModelVersionFactory(model=model, version="new-one", recorded_at=now)

    page = login(alice).get(f"/models/{model.pk}/").content.decode()

    assert page.index("new-one") < page.index("old-one")


def test_the_model_list_filters_by_vendor_and_type(login, alice):
    acme = VendorFactory(name="Acme")
    AiModelFactory(vendor=acme, name="Nova", model_type="llm")
    AiModelFactory(vendor=acme, name="Earful", model_type="speech_to_text")
    AiModelFactory(vendor=None, name="Scorer", model_type="classifier")
    client = login(alice)

    by_vendor = client.get(f"/models/?vendor={acme.pk}").content.decode()
    by_type = client.get("/models/?type=classifier").content.decode()

    assert "Nova" in by_vendor and "Earful" in by_vendor and "Scorer" not in by_vendor
    assert "Scorer" in by_type and "Built in-house" in by_type and "Nova" not in by_type


def test_a_missing_vendor_or_model_is_a_404(login, alice):
    assert login(alice).get("/vendors/999999/").status_code == 404
    assert login(alice).get("/models/999999/").status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pages_cost_the_same_for_two_rows_as_for_six(login, alice):
    vendor = VendorFactory()
    client = login(alice)

    def add():
        model = AiModelFactory(vendor=vendor)
        ModelVersionFactory(model=model)
        VendorFactory(next_assessment_due=timezone.localdate() - timedelta(days=1))

    for _ in range(2):
        add()
    urls = ("/vendors/", "/models/", f"/vendors/{vendor.pk}/")
    counts = [_queries(client, url) for url in urls]
    for _ in range(4):
        add()

    assert [_queries(client, url) for url in urls] == counts


@pytest.mark.parametrize(
    "url",
    [
        "/models/?vendor=abc",
        "/models/?type=oracle",
        "/vendors/?assessment_lapsed=maybe",
        "/vendors/?page=zzz",
        "/models/new/?vendor=abc",
    ],
)
def test_bad_filters_never_break_a_page(login, alice, url):
    assert login(alice).get(url).status_code == 200


def test_the_council_corrects_a_version_on_its_page(login, chair, alice):
    version = ModelVersionFactory(version="v1")
    url = f"/models/{version.model_id}/versions/{version.pk}/edit/"

    assert login(alice).get(url).status_code == 403
    assert login(chair).get(url).status_code == 200
    response = login(chair).post(url, {"version": "v1", "notes": "Safer defaults."})

    assert response.status_code == 302
    version.refresh_from_db()
    assert version.notes == "Safer defaults."
