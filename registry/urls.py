from django.urls import path

from . import views

# Included at /transparency/ (config/urls.py): the one public page of the product.
urlpatterns = [
    path("", views.transparency, name="transparency"),
]
