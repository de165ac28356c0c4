from django.urls import path

from . import views

app_name = "inventory"
urlpatterns = [
    path("vendors/", views.vendor_list, name="vendor_list"),
    path("vendors/new/", views.vendor_new, name="vendor_new"),
    path("vendors/<int:pk>/", views.vendor_detail, name="vendor_detail"),
    path("vendors/<int:pk>/edit/", views.vendor_edit, name="vendor_edit"),
    path("models/", views.model_list, name="model_list"),
    # Propose (a team) or add (the council) a model: /models/new/?vendor=<id> picks the vendor.
    path("models/new/", views.model_new, name="model_new"),
    path("models/<int:pk>/", views.model_detail, name="model_detail"),
    path("models/<int:pk>/edit/", views.model_edit, name="model_edit"),
    path("models/<int:pk>/confirm/", views.model_confirm, name="model_confirm"),
    path("models/<int:pk>/versions/new/", views.version_new, name="version_new"),
    path(
        "models/<int:pk>/versions/<int:version_pk>/edit/",
        views.version_edit,
        name="version_edit",
    ),
    path(
        "models/<int:pk>/versions/<int:version_pk>/confirm/",
        views.version_confirm,
        name="version_confirm",
    ),
    path(
        "models/<int:pk>/versions/<int:version_pk>/roll-out/",
        views.version_roll_out,
        name="version_roll_out",
    ),
]
