from django.urls import path

from . import sso

# Included at /oidc/ (config/urls.py); the names are the ones mozilla-django-oidc reverses.
urlpatterns = [
    path("authenticate/", sso.start, name="oidc_authentication_init"),
    path("callback/", sso.callback, name="oidc_authentication_callback"),
]
