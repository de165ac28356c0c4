from django.urls import path

from . import pages

app_name = "registry"
urlpatterns = [
    path("", pages.registry_list, name="list"),
    path("<int:pk>/", pages.registry_detail, name="detail"),
    path("<int:pk>/incidents/", pages.incident_report, name="incident_report"),
]
