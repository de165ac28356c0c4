"""The inventory API: everyone signed in reads vendors and models; the council keeps them;
teams propose models and versions; auditors and strangers change nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from inventory.models import ModelVersion, Vendor

from .inventory_support import AiModelFactory, ModelVersionFactory, VendorFactory, assessment

pytestmark = pytest.mark.usefixtures("db")

VENDORS = "/api/v1/vendors/"
MODELS = "/api/v1/models/"


def _vendor_payload(**overrides):
    answers = assessment(**overrides)
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in answers.items()
    }


def test_the_council_enters_a_vendor(api, council_member):
    response = api(council_member).post(VENDORS, _vendor_payload(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Acme AI"
    assert body["certifications"] == ["iso_27001", "soc2_type_ii"]
    assert body["assessment_lapsed"] is False
    assert body["version"] == 1
    assert AuditEvent.objects.filter(object_type="inventory.vendor", action="created").exists()


def test_everyone_signed_in_reads_vendors_with_their_lapse(api, alice):
    VendorFactory(name="Current")
    VendorFactory(name="Lapsed", next_assessment_due=timezone.localdate() - timedelta(days=1))

    body = api(alice).get(VENDORS).json()

    assert body["count"] == 2
    assert {row["name"]: row["assessment_lapsed"] for row in body["results"]} == {
        "Current": False,
        "Lapsed": True,
    }


def test_vendors_filter_by_name_and_lapse(api, alice):
    VendorFactory(name="Acme")
    VendorFactory(name="Globex", assessed_on=None, next_assessment_due=None)

    def names(query):
        return [row["name"] for row in api(alice).get(VENDORS + query).json()["results"]]

    assert names("?name=acm") == ["Acme"]
    assert names("?assessment_lapsed=true") == ["Globex"]
    assert names("?assessment_lapsed=false") == ["Acme"]
    assert api(alice).get(VENDORS + "?assessment_lapsed=maybe").status_code == 400


def test_a_team_member_may_not_enter_or_edit_a_vendor(api, alice):
    vendor = VendorFactory()

    created = api(alice).post(VENDORS, _vendor_payload(), format="json")
    edited = api(alice).patch(f"{VENDORS}{vendor.pk}/", {"dpa_signed": True}, format="json")

    assert created.status_code == 403
    assert edited.status_code == 403
    assert "council members and the chair" in edited.json()["detail"]
    vendor.refresh_from_db()
    assert not vendor.dpa_signed


def test_an_auditor_changes_nothing(api, auditor):
    vendor = VendorFactory()
    model = AiModelFactory()

    assert api(auditor).get(VENDORS).status_code == 200
    assert api(auditor).post(VENDORS, _vendor_payload(), format="json").status_code == 403
    assert api(auditor).patch(f"{VENDORS}{vendor.pk}/", {"name": "X"}).status_code == 403
    posted = api(auditor).post(f"{MODELS}{model.pk}/versions/", {"version": "9"})
    assert posted.status_code == 403
    assert not ModelVersion.objects.exists()


def test_strangers_read_nothing(api):
    assert api().get(VENDORS).status_code == 401
    assert api().get(MODELS).status_code == 401
    assert api().post(VENDORS, _vendor_payload(), format="json").status_code == 401


def test_a_vendor_name_in_another_case_is_a_field_error(api, chair):
    VendorFactory(name="OpenAI")

    response = api(chair).post(VENDORS, _vendor_payload(name="OPENAI"), format="json")

    assert response.status_code == 400
    assert "already in the inventory" in response.json()["name"][0]
    assert Vendor.objects.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("data_residency", "mars"),
        ("trains_on_our_data", "sometimes"),
        ("certifications", ["iso_27001", "gold_star"]),
        ("next_assessment_due", "not a date"),
        ("owner", 10**6),
        ("sub_processors", "Cloud Hosting Ltd"),
        ("colour", "blue"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, chair, field, value):
    response = api(chair).post(VENDORS, _vendor_payload(**{field: value}), format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_an_edit_sends_its_version_and_gets_an_etag(api, chair, council_member):
    created = api(chair).post(VENDORS, _vendor_payload(), format="json").json()
    url = f"{VENDORS}{created['id']}/"

    first = api(council_member).patch(url, {"website": ""}, format="json", HTTP_IF_MATCH='"1"')
    stale = api(chair).patch(url, {"trains_on_our_data": "yes"}, HTTP_IF_MATCH='"1"')

    assert first.status_code == 200
    assert first["ETag"] == '"2"'
    assert stale.status_code == 412
    assert stale.json()["changed_fields"] == ["website"]
    assert api(chair).get(url).json()["trains_on_our_data"] == "no"


def test_a_team_member_proposes_a_model_the_council_confirms(api, alice, chair):
    vendor = VendorFactory()

    response = api(alice).post(
        MODELS, {"vendor": vendor.pk, "name": "Nova", "type": "llm"}, format="json"
    )
    assert response.status_code == 201, response.json()
    model = response.json()
    assert model["proposed"] is True
    assert model["type"] == "llm"
    assert model["vendor_name"] == vendor.name

    assert api(alice).post(f"{MODELS}{model['id']}/confirm/").status_code == 403
    confirmed = api(chair).post(f"{MODELS}{model['id']}/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["proposed"] is False
    assert api(chair).post(f"{MODELS}{model['id']}/confirm/").status_code == 409


def test_an_in_house_model_has_no_vendor(api, chair):
    response = api(chair).post(
        MODELS,
        {"vendor": None, "name": "Churn score", "type": "classifier", "general_purpose": False},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["vendor"] is None


def test_an_unknown_model_type_or_vendor_is_a_400(api, chair):
    bad_type = api(chair).post(
        MODELS, {"vendor": None, "name": "m", "type": "oracle"}, format="json"
    )
    bad_vendor = api(chair).post(MODELS, {"vendor": 999999, "name": "m", "type": "llm"})

    assert bad_type.status_code == 400 and "type" in bad_type.json()
    assert bad_vendor.status_code == 400 and "vendor" in bad_vendor.json()


def test_a_team_may_not_correct_a_model(api, alice, chair):
    model = AiModelFactory()
    assert api(alice).patch(f"{MODELS}{model.pk}/", {"name": "x"}).status_code == 403
    response = api(chair).patch(f"{MODELS}{model.pk}/", {"general_purpose": True})
    assert response.status_code == 200
    assert response.json()["general_purpose"] is True


def test_models_filter_by_vendor_and_type(api, alice):
    acme = VendorFactory(name="Acme")
    AiModelFactory(vendor=acme, name="Nova", model_type="llm")
    AiModelFactory(vendor=acme, name="Ear", model_type="speech_to_text")
    AiModelFactory(vendor=VendorFactory(), name="Other", model_type="llm")

    def names(query):
        return sorted(row["name"] for row in api(alice).get(MODELS + query).json()["results"])

    assert names(f"?vendor={acme.pk}") == ["Ear", "Nova"]
    assert names("?type=llm") == ["Nova", "Other"]
    assert names(f"?vendor={acme.pk}&type=llm") == ["Nova"]
    assert api(alice).get(MODELS + "?type=oracle").status_code == 400


def test_versions_are_recorded_and_listed_newest_first(api, council_member, alice):
    model = AiModelFactory()
    url = f"{MODELS}{model.pk}/versions/"

    first = api(council_member).post(
        url, {"version": "2026-01", "notes": "First.", "released_on": "2026-01-10"}
    )
    proposed = api(alice).post(url, {"version": "2026-04"})
    twice = api(alice).post(url, {"version": "2026-04"})
    listed = api(alice).get(url).json()

    assert first.status_code == 201 and first.json()["proposed"] is False
    assert proposed.status_code == 201 and proposed.json()["proposed"] is True
    assert twice.status_code == 400 and "version" in twice.json()
    assert [row["version"] for row in listed["results"]] == ["2026-04", "2026-01"]


def test_a_proposed_version_is_confirmed_by_the_council(api, alice, chair):
    version = ModelVersionFactory(proposed=True)
    url = f"{MODELS}{version.model_id}/versions/{version.pk}/confirm/"

    assert api(alice).post(url).status_code == 403
    assert api(chair).post(url).json()["proposed"] is False
    other = AiModelFactory()
    assert api(chair).post(f"{MODELS}{other.pk}/versions/{version.pk}/confirm/").status_code == 404


def test_a_missing_model_is_a_404(api, alice):
    assert api(alice).get(f"{MODELS}999999/").status_code == 404
    assert api(alice).post(f"{MODELS}999999/versions/", {"version": "1"}).status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_lists_cost_the_same_for_two_rows_as_for_six(api, alice):
    client = api(alice)
    for _ in range(2):
        AiModelFactory()
    counts = (_queries(client, VENDORS), _queries(client, MODELS))
    for _ in range(4):
        AiModelFactory()

    assert (_queries(client, VENDORS), _queries(client, MODELS)) == counts


def test_a_team_member_is_refused_before_their_input_is_read(api, alice):
    vendor = VendorFactory()

    edited = api(alice).patch(f"{VENDORS}{vendor.pk}/", {"data_residency": "mars"}, format="json")
    created = api(alice).post(VENDORS, {"name": ""}, format="json")

    assert (edited.status_code, created.status_code) == (403, 403)


def test_the_council_corrects_a_version(api, alice, chair):
    version = ModelVersionFactory(version="v1")
    url = f"{MODELS}{version.model_id}/versions/{version.pk}/"

    assert api(alice).patch(url, {"notes": "x"}).status_code == 403
    response = api(chair).patch(url, {"released_on": "2026-02-01"})

    assert response.status_code == 200
    assert response.json()["released_on"] == "2026-02-01"
