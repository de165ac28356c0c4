from django.urls import path, re_path

from . import import_pages, pages

app_name = "registry"
urlpatterns = [
    path("", pages.registry_list, name="list"),
    # Record a deployment of an approved use case: /registry/new/?use_case=<id>
    path("new/", pages.registry_new, name="new"),
    path("import/", import_pages.registry_import, name="import"),
    re_path(
        r"^import/template\.(?P<kind>csv|xlsx)$",
        import_pages.registry_import_template,
        name="import_template",
    ),
    path("import/<int:pk>/", import_pages.registry_import_report, name="import_report"),
    path("import/<int:pk>/run/", import_pages.registry_import_run, name="import_run"),
    path("<int:pk>/", pages.registry_detail, name="detail"),
    path("<int:pk>/edit/", pages.registry_edit, name="edit"),
    path("<int:pk>/stage/", pages.registry_stage, name="stage"),
    path("<int:pk>/kpis/", pages.kpi_define, name="kpi_define"),
    path("<int:pk>/kpis/measurements/", pages.kpi_measure, name="kpi_measure"),
    path("<int:pk>/incidents/", pages.incident_report, name="incident_report"),
    path(
        "<int:pk>/complaints/<int:complaint_pk>/close/",
        pages.complaint_close,
        name="complaint_close",
    ),
    path(
        "<int:pk>/public-wording/approve/",
        pages.public_wording_approve,
        name="public_wording_approve",
    ),
    path(
        "<int:pk>/incidents/<int:incident_pk>/",
        pages.incident_update,
        name="incident_update",
    ),
]
