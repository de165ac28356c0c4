"""Obligations as versioned data: loaded by a command, derived from the answers, shown with dates."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from usecases import obligations, services
from usecases.models import Obligation, ObligationCatalogue, UseCase

REAL_DATA_DIR = obligations.DATA_DIR
CREDIT_SCORING = {
    "capabilities": ["predictive_scoring"],
    "sensitive_purposes": ["creditworthiness"],
    "significant_decisions": True,
}


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(obligations, "DATA_DIR", tmp_path)
    return tmp_path


def _write(folder, name, document):
    (folder / name).write_text(json.dumps(document), encoding="utf-8")


def test_the_migrations_load_every_version_and_the_latest_is_active(db):
    latest = obligations.catalogue_files()[-1]
    assert obligations.catalogue_files() == ["obligations_v1.json", "obligations_v2.json"]
    catalogue = ObligationCatalogue.objects.get(active=True)
    assert catalogue.version == 2
    assert catalogue.obligations.count() == len(obligations.read(latest)["obligations"])
    assert ObligationCatalogue.objects.count() == 2


def test_a_new_version_changes_a_date_without_code_and_the_next_edit_uses_it(
    make_use_case, alice, data_dir
):
    use_case = make_use_case(**CREDIT_SCORING)
    assert {"code": "AIA-26", "applies_from": "2027-12-02"}.items() <= _obligation(
        use_case, "AIA-26"
    ).items()

    document = json.loads((REAL_DATA_DIR / "obligations_v2.json").read_text(encoding="utf-8"))
    document["version"] = 3
    for entry in document["obligations"]:
        if entry["code"] == "AIA-26":
            entry["applies_from"] = "2028-08-02"
    _write(data_dir, "obligations_v3.json", document)
    call_command("load_obligations", "obligations_v3.json")
    assert ObligationCatalogue.objects.get(active=True).version == 3

    use_case = services.usecase_update(
        actor=alice, use_case=use_case, data={"title": "Credit line offers"}
    )
    assert _obligation(use_case, "AIA-26")["applies_from"] == "2028-08-02"
    # Loading it again changes nothing.
    call_command("load_obligations", "obligations_v3.json")
    assert ObligationCatalogue.objects.count() == 3


def test_a_catalogue_naming_an_unknown_fact_is_refused_and_nothing_is_loaded(db, data_dir):
    _write(data_dir, "bad.json", {"name": "Bad", "version": 7, "obligations": [
        {"code": "X-1", "source": "Somewhere Art. 1", "text": "Do it.", "party": "deployer",
         "applies_from": "2026-01-01", "basis": "law", "when": ["full_moon"]}]})  # fmt: skip
    with pytest.raises(CommandError, match="unknown facts full_moon"):
        call_command("load_obligations", "bad.json")
    assert not ObligationCatalogue.objects.filter(version=7).exists()
    assert not Obligation.objects.filter(code="X-1").exists()


def test_a_missing_file_is_a_clear_error(db, data_dir):
    with pytest.raises(CommandError, match="No file nope.json"):
        call_command("load_obligations", "nope.json")


def test_the_use_case_page_says_what_the_law_asks_and_from_when(login, make_use_case, alice):
    use_case = make_use_case(**CREDIT_SCORING)
    page = login(alice).get(reverse("usecases:detail", args=[use_case.pk])).content.decode()
    assert "What the law asks of us" in page
    assert "EU AI Act Art. 27" in page
    assert 'from <time datetime="2027-12-02">2 Dec 2027</time>' in page  # Annex III duties
    assert "applies now" in page  # e.g. GDPR Art. 13 and 14, Art. 4 AI literacy
    assert "High risk (law: EU AI Act Annex III 5(b))" in page


def test_the_revision_freezes_the_class_and_obligations(make_use_case):
    use_case = make_use_case("submitted", **CREDIT_SCORING)
    revision = use_case.revisions.get()
    assert revision.ai_act_class == "high_risk"
    assert revision.ai_act_reasons == UseCase.objects.get(pk=use_case.pk).ai_act_reasons
    assert "AIA-27" in [o["code"] for o in revision.obligations]


def _obligation(use_case, code):
    return next(o for o in use_case.obligations if o["code"] == code)


def test_the_review_page_shows_the_class_of_the_judged_revision(login, make_use_case, chair):
    use_case = make_use_case("submitted", **CREDIT_SCORING)
    review = use_case.reviews.get()
    page = login(chair).get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert "EU AI Act class" in page
    assert "High risk (law: EU AI Act Annex III 5(b))" in page
    assert "Why this review tier" in page
