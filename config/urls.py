from django.contrib import admin
from django.urls import include, path

import reviews.views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("config.api_urls")),
    path("", include("council.urls")),
    path("use-cases/", include("usecases.urls")),
    path("reviews/", include("reviews.urls")),
    path("council/pipeline/", reviews.views.pipeline, name="pipeline"),
    path("transparency/", include("registry.urls")),
    path("registry/", include("registry.page_urls")),
    path("audit/", include("audit.urls")),
]
