"""Per-object access granted or taken back on the admin's object-permissions page is recorded
in the audit trail like any other grant (SPEC section 7)."""

from django.urls import reverse
from guardian.shortcuts import get_perms

from audit.models import AuditEvent

from .factories import UserFactory


def test_a_grant_and_its_removal_in_the_admin_are_audited(client, make_use_case, outsider):
    use_case = make_use_case("submitted")
    admin_user = UserFactory(username="site.admin", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    url = reverse("admin:usecases_usecase_permissions_manage_user", args=[use_case.pk, outsider.pk])

    response = client.post(url, {"permissions": ["view_usecase"]})
    assert response.status_code == 302, response.content[:400]
    assert get_perms(outsider, use_case) == ["view_usecase"]
    granted = AuditEvent.objects.get(action="object_permissions_changed")
    assert granted.actor == admin_user
    assert granted.object_ref == use_case.reference
    assert granted.changes["permissions"] == [[], ["view_usecase"]]

    # What the page sends with nothing ticked: no "permissions" at all, and its submit button.
    client.post(url, {"submit_manage_user": "Save"})
    assert get_perms(outsider, use_case) == []
    removed = AuditEvent.objects.filter(action="object_permissions_changed").latest("seq")
    assert removed.changes["permissions"] == [["view_usecase"], []]
