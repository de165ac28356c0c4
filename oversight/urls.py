"""The use-case dossier, mounted under `/use-cases/` next to the use cases' own pages."""

from django.urls import path

from . import dossier_views

app_name = "oversight"
urlpatterns = [
    path("<int:pk>/dossier/", dossier_views.usecase_dossier_page, name="dossier"),
    path("<int:pk>/dossier.pdf", dossier_views.usecase_dossier_pdf, name="dossier_pdf"),
    path(
        "<int:pk>/dossier/pdf/<int:seq>/",
        dossier_views.usecase_dossier_pdf_built,
        name="dossier_pdf_built",
    ),
]
