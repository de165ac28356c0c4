from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from council.api import TeamViewSet
from usecases.api import UseCaseViewSet

router = DefaultRouter()
router.register("use-cases", UseCaseViewSet, basename="use-case")
router.register("teams", TeamViewSet, basename="team")

urlpatterns = [
    path("v1/auth/token/", obtain_auth_token, name="api-token"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
