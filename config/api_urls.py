from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from common.api_docs import ApiDocsView
from council import tokens
from council.api import MemberViewSet, TeamViewSet
from inventory.api import AiModelViewSet, VendorViewSet
from oversight.audit_api import AuditEventViewSet
from oversight.exports_api import RegistryExportView
from registry.api import DeploymentViewSet
from reviews.api import ConditionViewSet, ReviewViewSet
from usecases.api import UseCaseViewSet

router = DefaultRouter()
router.register("use-cases", UseCaseViewSet, basename="use-case")
router.register("teams", TeamViewSet, basename="team")
router.register("reviews", ReviewViewSet, basename="review")
router.register("conditions", ConditionViewSet, basename="condition")
router.register("members", MemberViewSet, basename="member")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("registry", DeploymentViewSet, basename="registry")
router.register("vendors", VendorViewSet, basename="vendor")
router.register("models", AiModelViewSet, basename="model")

urlpatterns = [
    path("v1/auth/token/", tokens.ObtainToken.as_view(), name="api-token"),
    path("v1/auth/tokens/", tokens.ApiTokens.as_view(), name="api-tokens"),
    path("v1/auth/tokens/<int:pk>/", tokens.ApiTokenDetail.as_view(), name="api-token-detail"),
    path("v1/auth/logout/", tokens.Logout.as_view(), name="api-logout"),
    # Before the router, so a `registry/` route there never shadows the export.
    path("v1/registry/export/", RegistryExportView.as_view(), name="registry-export"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves the docs' start-up script as a file: no inline script (CSP).
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]
