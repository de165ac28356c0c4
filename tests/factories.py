import factory
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from council.models import RoleAssignment, Team, TeamMembership

PASSWORD = "correct-horse-battery"


def login_request():
    """What the test client's login() passes on as the request: the lockout backend
    (django-axes) needs one to know where a login comes from,
    e.g. client.login(request=login_request(), username=..., password=...)."""
    return RequestFactory().post("/accounts/login/")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = "privacy"


def complete_answers(**overrides) -> dict:
    """Answers that pass submission: a limited-tier marketing personalisation tool."""
    answers = {
        "title": "Next-best-offer e-mails",
        "summary": "Chooses which offer each customer sees in the weekly e-mail.",
        "business_problem": "Customers receive offers that do not fit them and unsubscribe.",
        "confidential": False,
        "functions": ["marketing"],
        "journey_stages": ["retention"],
        "channels": ["email"],
        "capabilities": ["personalisation"],
        "vendor": "Acme Personalise",
        "tool_name": "Acme NBO",
        "model_provenance": "vendor_hosted",
        "automation_level": "human_on_the_loop",
        "data_categories": ["contact_details", "behavioural"],
        "affected_people": ["customers"],
        "customer_facing": True,
        "significant_decisions": False,
        "vulnerable_groups": False,
        "markets": ["IE", "GB"],
        "operator_role": "deployer",
        "sensitive_purposes": [],
        "outbound_contact": False,
        "people_affected": "1k_100k",
        "biometric_use": [],
        "expected_benefits": "Fewer unsubscribes, more relevant offers.",
        "kpis": "Unsubscribe rate, click-through rate, retention.",
        "pilot_plan": "10% of the list for 6 weeks; success if unsubscribes fall by 10%.",
        "customer_disclosure": "The e-mail footer says offers are chosen automatically.",
        "human_escalation": "",
    }
    answers.update(overrides)
    return answers
