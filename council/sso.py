"""Single sign-on with the company's OpenID Connect provider (mozilla-django-oidc): the
authorisation code flow with PKCE, the ID token checked against the provider's keys, then the
account kept by `services.sso_sign_in` (made on the first sign-in, its teams and council roles
from the provider's groups). On only when settings.SSO_ENABLED (OIDC_RP_CLIENT_ID is set): the
two pages answer 404 otherwise."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from . import services


def identity_of(claims: dict[str, Any]) -> services.SsoIdentity:
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    return services.SsoIdentity(
        username=str(claims.get(settings.OIDC_USERNAME_CLAIM) or "")[:150],
        email=str(claims.get("email") or ""),
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
        groups=tuple(str(group) for group in groups) if isinstance(groups, list) else (),
    )


class CouncilOidcBackend(OIDCAuthenticationBackend):
    """A person is their provider username (OIDC_USERNAME_CLAIM): the account of that name is
    theirs, made on their first sign-in."""

    def verify_claims(self, claims):
        return bool(identity_of(claims).username)

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username=identity_of(claims).username)

    def create_user(self, claims):
        return services.sso_sign_in(user=None, identity=identity_of(claims))

    def update_user(self, user, claims):
        return services.sso_sign_in(user=user, identity=identity_of(claims))


class _OnlyWithSso:
    def dispatch(self, request, *args, **kwargs):
        if not settings.SSO_ENABLED:
            raise Http404("Single sign-on is not set up here.")
        return super().dispatch(request, *args, **kwargs)


class SignInStart(_OnlyWithSso, OIDCAuthenticationRequestView):
    """To the provider's sign-in page, with the page to come back to."""


class SignInReturn(_OnlyWithSso, OIDCAuthenticationCallbackView):
    """Back from the provider: the account signed in, or the login page again."""


start = login_not_required(SignInStart.as_view())
callback = login_not_required(SignInReturn.as_view())
