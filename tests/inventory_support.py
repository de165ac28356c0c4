"""Vendors, models and versions for the inventory's tests: written straight to the tables
(fast volume); the services' own tests go through the services."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from inventory.models import AiModel, ModelVersion, Vendor

from .factories import UserFactory


def assessment(**overrides) -> dict:
    """A complete, current vendor assessment, as the services take it."""
    today = timezone.localdate()
    answers = {
        "name": "Acme AI",
        "website": "https://acme.example.com",
        "dpa_signed": True,
        "dpa_signed_on": date(2025, 3, 1),
        "sub_processors": ["Cloud Hosting Ltd"],
        "data_residency": "eu_eea",
        "data_residency_detail": "",
        "trains_on_our_data": "no",
        "certifications": ["iso_27001", "soc2_type_ii"],
        "security_review": "Pen test report read; no open findings.",
        "security_reviewed_on": today - timedelta(days=30),
        "assessed_on": today - timedelta(days=30),
        "next_assessment_due": today + timedelta(days=335),
    }
    answers.update(overrides)
    return answers


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    assessed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    next_assessment_due = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=300))


class AiModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AiModel

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"model-{n}")
    model_type = "llm"
    recorded_by = factory.SubFactory(UserFactory)


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelVersion

    model = factory.SubFactory(AiModelFactory)
    version = factory.Sequence(lambda n: f"v{n}")
    recorded_by = factory.SubFactory(UserFactory)


def nova_version_1(recorded_by) -> ModelVersion:
    """Acme AI's foundation model Nova, version 1 (confirmed by the council)."""
    vendor = Vendor.objects.create(name="Acme AI")
    model = AiModel.objects.create(
        vendor=vendor, name="Nova", model_type="llm", recorded_by=recorded_by
    )
    return ModelVersion.objects.create(model=model, version="1", recorded_by=recorded_by)
