from django.urls import path

from . import pages, views

# Included at /transparency/ (config/urls.py): the public pages of the product. A reference is
# letters, digits and hyphens (AI-0001): anything else is a 404 before any query.
urlpatterns = [
    path("", views.transparency, name="transparency"),
    path("registry.json", views.transparency_register, name="transparency-register"),
    path("<slug:reference>/", views.transparency_tool, name="transparency-tool"),
    path("<slug:reference>/complain/", pages.transparency_complain, name="transparency-complain"),
]
