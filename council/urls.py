from django.urls import path

from . import accounts, views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("account/api-tokens/", accounts.api_tokens, name="account-api-tokens"),
]
