"""The API's tokens: obtained with a username and password, listed and revoked by their owner,
revoked at logout. A token expires after settings.API_TOKEN_TTL_HOURS (django-rest-knox checks it
on every request); only its digest is stored, so a listing never shows one again."""

from axes.helpers import get_cool_off, get_lockout_message
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import ApiToken
from .selectors import api_tokens_of


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="The token this request came with.")

    class Meta:
        model = ApiToken
        fields = ["id", "created", "expiry", "current"]

    def get_current(self, token: ApiToken) -> bool:
        return token == self.context["request"].auth


IssuedTokenSerializer = inline_serializer(
    "IssuedToken",
    {
        "id": serializers.IntegerField(),
        "token": serializers.CharField(
            help_text="Shown once: send it as `Authorization: Token …`."
        ),
        "expiry": serializers.DateTimeField(),
    },
)


class ObtainToken(APIView):
    """A token from a username and password. Repeated wrong passwords lock the username out from
    the caller's address for a while (django-axes, which sees the request: 429 then)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    serializer_class = AuthTokenSerializer

    @extend_schema(request=AuthTokenSerializer, responses={200: IssuedTokenSerializer})
    def post(self, request):
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        if not credentials.is_valid():
            if getattr(request, "axes_locked_out", False):
                cool_off = get_cool_off(request)
                raise Throttled(
                    wait=cool_off.total_seconds() if cool_off else None,
                    detail=str(get_lockout_message()),
                )
            raise ValidationError(credentials.errors)
        user = credentials.validated_data["user"]
        token, secret = services.api_token_issue(user=user)
        # As a page login does: axes forgets the failures, Django notes the last login.
        user_logged_in.send(sender=type(user), request=request, user=user)
        return Response({"id": token.pk, "token": secret, "expiry": token.expiry})


class OwnTokens:
    """The caller's tokens that have not expired: nobody sees another user's."""

    queryset = ApiToken.objects.none()  # for the schema; each request gets its own

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return api_tokens_of(self.request.user)


class ApiTokens(OwnTokens, generics.ListAPIView):
    """Your API tokens (never the tokens themselves); DELETE revokes them all."""

    serializer_class = ApiTokenSerializer
    pagination_class = None

    @extend_schema(operation_id="v1_auth_tokens_revoke_all", responses={204: None})
    def delete(self, request):
        services.api_tokens_revoke(actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenDetail(OwnTokens, generics.RetrieveDestroyAPIView):
    """One of your API tokens; DELETE revokes it. Another user's token is not found (404)."""

    serializer_class = ApiTokenSerializer

    def perform_destroy(self, instance):
        services.api_tokens_revoke(actor=self.request.user, token_id=instance.pk)


class Logout(APIView):
    """Log out: revokes all your API tokens and ends your session, if you have one."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        user = request.user
        services.api_tokens_revoke(actor=user)
        # Ends the session (and sends user_logged_out) when the caller came with one.
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
