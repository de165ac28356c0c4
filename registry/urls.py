from django.urls import path

from . import pages, views

# Included at /transparency/ (config/urls.py): the public pages of the product.
urlpatterns = [
    path("", views.transparency, name="transparency"),
    path("<str:reference>/", views.transparency_tool, name="transparency-tool"),
    path("<str:reference>/complain/", pages.transparency_complain, name="transparency-complain"),
]
