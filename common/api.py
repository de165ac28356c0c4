"""Project-wide API plumbing: pagination, id filters and one exception handler
for domain errors."""

import json
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import pagination, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import exception_handler as drf_exception_handler

from common import idempotency
from common.errors import DomainError, StaleEdit
from common.limits import ID_MAX
from common.models import IdempotencyKey
from common.paging import COUNT_CAP, CappedPaginator

#: The header of a request the client asks to be done once (common.api.IdempotentPostMixin).
KEY_HEADER = "Idempotency-Key"


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages whose count stops at `common.paging.COUNT_CAP`: `count` is exact while
    `count_is_exact` is true, else the cap; `next` always says whether another page follows."""

    django_paginator_class = CappedPaginator
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_is_exact"] = self.page.paginator.count_is_exact
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_exact"] = {
            "type": "boolean",
            "description": f"False when the list holds more than {COUNT_CAP:,} rows: `count` "
            "is then that cap, and `next` still leads to every following page.",
        }
        schema["required"] = [*schema.get("required", []), "count_is_exact"]
        return schema


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A numeric key: whole numbers only (a NumberFilter would take 1.5 and "1e3"), at most the
    largest key a database stores (a larger one is a 400, not a database error).

    An id filter never checks that the object exists, so filtering by the id of something
    the user may not see answers an empty page, exactly like an id that does not exist.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


#: The header that makes an edit conditional on the version the client read (the ETag of a GET).
IF_MATCH = "If-Match"
_ETAG = re.compile(r'(?:W/)?"([1-9][0-9]{0,9})"')


def etag(version: int) -> str:
    return f'"{version}"'


def version_read(request, body_version: int | None) -> int | None:
    """The version an edit says it is based on: the ETag in its If-Match header, else the
    `version` in its body. None when it names none (or `If-Match: *`): the edit is then not
    checked, as before versions existed. A header that names no single version is a 400."""
    header = request.headers.get(IF_MATCH)
    if header is None:
        return body_version
    if header.strip() == "*":
        return None
    match = _ETAG.fullmatch(header.strip())
    if match is None:
        raise ValidationError({IF_MATCH: ['Send the ETag of the record as read, e.g. "3".']})
    return int(match.group(1))


class StaleEditSerializer(serializers.Serializer):
    """The answer to an edit of a version someone has saved over (for the schema)."""

    detail = serializers.CharField()
    changed_by = serializers.CharField(help_text="Full name of who saved it last.")
    changed_at = serializers.DateTimeField(allow_null=True)
    changed_fields = serializers.ListField(
        child=serializers.CharField(), help_text="The fields changed since the version sent."
    )
    version = serializers.IntegerField(help_text="The version now (also the ETag).")


IF_MATCH_PARAMETER = OpenApiParameter(
    IF_MATCH,
    str,
    OpenApiParameter.HEADER,
    description='The ETag of the record as read, e.g. "3": if it was saved since, nothing is '
    "saved (412, saying who changed what).",
)
STALE_EDIT_RESPONSES = {
    409: OpenApiResponse(
        description="The state does not allow it, or the record was saved since the `version` "
        "sent: nothing is saved; the answer then says who changed what, as for 412."
    ),
    412: OpenApiResponse(
        StaleEditSerializer,
        description="The record was saved since the If-Match version: nothing is saved.",
    ),
}


class VersionedMixin:
    """A success that shows one versioned record (GET, PATCH, PUT or an action on it) carries
    its version as the `ETag` header, for the client's next If-Match."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if 200 <= response.status_code < 300 and isinstance(data, dict) and "version" in data:
            response["ETag"] = etag(data["version"])
        return response


def _stale_edit_answer(exc: StaleEdit, request) -> Response:
    """409, or 412 when the version came as If-Match: who changed the record, when, which
    fields, and its version now (also as the ETag) to send again after checking."""
    conditional = request is not None and IF_MATCH in request.headers
    body = {
        "detail": exc.message,
        "changed_by": exc.changed_by,
        "changed_at": exc.changed_at,
        "changed_fields": exc.changed_fields,
        "version": exc.version,
    }
    return Response(
        body,
        status=status.HTTP_412_PRECONDITION_FAILED if conditional else exc.status_code,
        headers={"ETag": etag(exc.version)},
    )


# What every operation may answer besides its own success (common.api.exception_handler and DRF's
# permission, pagination and parsing): declared once here for the whole schema.
ERROR_ANSWERS = {
    "400": 'Bad input: {field: [messages]}, or {"detail": ...} for an unreadable body.',
    "401": "Not signed in, or the token has expired or was revoked.",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found or not visible to the caller, or a page past the last.",
    "409": "The object's state does not allow the action.",
}
ERROR_BODY = {"type": "object", "additionalProperties": {}}


def document_error_answers(result, generator, request, public):
    """drf-spectacular postprocessing hook: each operation lists the error answers it may give
    (409 for writes only), where the view did not declare them itself."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_ANSWERS.items():
                if code == "409" and method == "get":
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_BODY}},
                    },
                )
    return result


def exception_handler(exc, context):
    """Domain errors become {"detail": ...}; Django validation errors become {field: [...]}, 400."""
    if isinstance(exc, StaleEdit):
        return _stale_edit_answer(exc, context.get("request"))
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail)
    return drf_exception_handler(exc, context)


class _Replay(Exception):  # noqa: N818  (not an error: the earlier answer, sent again)
    def __init__(self, earlier: idempotency.Earlier):
        super().__init__(earlier.status)
        self.earlier = earlier


class IdempotentPostMixin:
    """A POST with an `Idempotency-Key` header is done once per user and key (for 24 hours).

    The same key again, with the same body to the same endpoint, gets the first answer back with
    `Idempotent-Replayed: true` and no second effect, also while the first is still running (it
    waits for it); the same key with another body or endpoint is refused with a 422. Only a
    success uses a key up: after a refusal (4xx) or a fault (5xx) nothing was done, and the
    request may be sent again with the same key. Every API view set that takes a POST carries
    this mixin (tests/test_idempotency.py checks each route).
    """

    _claimed: IdempotencyKey | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or KEY_HEADER not in request.headers:
            return super().dispatch(request, *args, **kwargs)
        # One transaction for the claim, the action and its stored answer (common/idempotency.py).
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if self._claimed is not None:
                if 200 <= response.status_code < 300:
                    body = json.loads(json.dumps(response.data, cls=JSONEncoder))
                    idempotency.complete(
                        self._claimed, status=response.status_code, response={"data": body}
                    )
                else:
                    self._claimed.delete()
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(KEY_HEADER)
        if request.method != "POST" or key is None or not request.user.is_authenticated:
            return
        if not key or len(key) > idempotency.KEY_MAX or not key.isprintable():
            raise ValidationError(
                {
                    KEY_HEADER: [
                        gettext("Give 1 to %(max)d printable characters.")
                        % {"max": idempotency.KEY_MAX}
                    ]
                }
            )
        outcome = idempotency.claim(
            user=request.user,
            key=key,
            endpoint=f"POST {request.path}",
            digest=idempotency.fingerprint(request.data),
        )
        if isinstance(outcome, idempotency.Earlier):
            raise _Replay(outcome)
        self._claimed = outcome

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return Response(
                exc.earlier.response["data"],
                status=exc.earlier.status,
                headers={"Idempotent-Replayed": "true"},
            )
        return super().handle_exception(exc)


__all__ = [
    "IdFilter",
    "IF_MATCH_PARAMETER",
    "STALE_EDIT_RESPONSES",
    "IdempotentPostMixin",
    "PageNumberPagination",
    "VersionedMixin",
    "etag",
    "exception_handler",
    "status",
    "version_read",
]
