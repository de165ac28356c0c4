from django.contrib.auth import get_user_model

from audit.models import AuditEvent
from reviews.models import ReviewPolicy


def test_editing_a_policy_in_the_admin_creates_the_next_version(client, db):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(admin)
    minimal = ReviewPolicy.objects.get(tier="minimal", active=True)
    response = client.post(
        f"/admin/reviews/reviewpolicy/{minimal.pk}/change/",
        {
            "tier": "minimal",
            "required_roles": '["function_lead", "privacy", "legal"]',
            "sla_working_days": 7,
            "rereview_months": 12,
            "complaints_rereview_threshold": 3,
        },
    )
    assert response.status_code == 302
    versions = list(
        ReviewPolicy.objects.filter(tier="minimal")
        .order_by("version")
        .values_list("version", "active")
    )
    assert versions == [(1, False), (2, True)]
    current = ReviewPolicy.objects.get(tier="minimal", active=True)
    assert current.required_roles == ["function_lead", "privacy", "legal"]
    assert AuditEvent.objects.filter(object_type="reviews.reviewpolicy", actor=admin).exists()


def test_a_new_policy_version_applies_to_reviews_opened_after_it(make_use_case, db):
    old = ReviewPolicy.objects.get(tier="limited", active=True)
    first = make_use_case("submitted").reviews.get()
    old.active = False
    old.save()
    ReviewPolicy.objects.create(
        tier="limited",
        version=2,
        required_roles=["function_lead", "privacy"],
        sla_working_days=3,
        rereview_months=12,
    )
    second = make_use_case("submitted").reviews.get()
    assert first.policy == old and first.required_roles == [
        "marketing",
        "privacy",
        "legal",
        "data_science",
    ]
    assert second.policy.version == 2 and second.required_roles == ["marketing", "privacy"]
