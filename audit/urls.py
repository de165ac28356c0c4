from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_trail, name="trail"),
    path("verify/", views.verify, name="verify"),
    path("events/<int:seq>/manifest.json", views.export_manifest, name="manifest"),
]
