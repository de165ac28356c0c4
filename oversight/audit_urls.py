from django.urls import path

from . import audit_views

# The auditor's workspace keeps its own namespace: its pages link to each other as `audit:...`.
app_name = "audit"
urlpatterns = [
    path("", audit_views.audit_trail, name="trail"),
    path("verify/", audit_views.verify, name="verify"),
    path("public-key.pem", audit_views.public_key, name="public-key"),
    path("events/<int:seq>/manifest.json", audit_views.export_manifest, name="manifest"),
]
