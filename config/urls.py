from django.contrib import admin
from django.urls import include, path

import oversight.inventory_views
import oversight.views
from common.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # Single sign-on (OpenID Connect), when it is set up.
    path("oidc/", include("council.sso_urls")),
    path("api/", include("config.api_urls")),
    path("", oversight.views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("", include("council.urls")),
    path("use-cases/", include("usecases.urls")),
    path("use-cases/", include("oversight.urls")),
    path("reviews/", include("reviews.urls")),
    path("council/pipeline/", oversight.views.pipeline, name="pipeline"),
    path("dashboard/", oversight.views.dashboard, name="dashboard"),
    path("transparency/", include("registry.urls")),
    path("registry/", include("registry.page_urls")),
    # /vendors/ and /models/ (SPEC section 11b).
    path("", include("inventory.urls")),
    path(
        "models/<int:model_pk>/versions/<int:pk>/fan-out/",
        oversight.inventory_views.version_fan_out_page,
        name="version_fan_out",
    ),
    path("audit/", include("oversight.audit_urls")),
]
