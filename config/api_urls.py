from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from council.api import MemberViewSet, TeamViewSet
from reviews.api import ConditionViewSet, ReviewViewSet
from usecases.api import UseCaseViewSet

router = DefaultRouter()
router.register("use-cases", UseCaseViewSet, basename="use-case")
router.register("teams", TeamViewSet, basename="team")
router.register("reviews", ReviewViewSet, basename="review")
router.register("conditions", ConditionViewSet, basename="condition")
router.register("members", MemberViewSet, basename="member")

urlpatterns = [
    path("v1/auth/token/", obtain_auth_token, name="api-token"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
