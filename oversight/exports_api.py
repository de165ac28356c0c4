"""`GET /api/v1/registry/export/`: the registry for auditors and the chair (SPEC section 8).

Every export's response carries its manifest in `X-Export-Manifest` (ASCII JSON) and the
manifest's Ed25519 signature in `X-Export-Signature` (base64, over the context line and the
manifest's canonical JSON: `audit/verify.py`)."""

import json
from typing import TypeVar

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from common.limits import ID_MAX, date_in_range
from council.permissions import AuditorOrChair
from registry.models import Stage
from usecases.choices import RiskTier

from .exports import INTEROP_FORMATS, REGISTRY_FORMATS, Export, RegistryFilters, registry_export


class IgnoreFormatNegotiation:
    """`?format=csv|json|xlsx` names the export, not a DRF renderer.

    DRF reads `format` as its renderer override and answers 404 for a name it does not know;
    here the parameter is validated like any other (400 with a field message), and errors are
    rendered with the first renderer (JSON).
    """

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class RegistryExportParams(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=REGISTRY_FORMATS,
        default="csv",
        help_text="csv, json or xlsx: the registry; omb: the US federal AI use case inventory "
        "(CSV); eu_db: EU AI Act Annex VIII Section A records (JSON). docs/formats.md maps "
        "each column.",
    )
    team = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    risk_tier = serializers.ChoiceField(choices=RiskTier.choices, required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    as_of = serializers.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[date_in_range],
        help_text="YYYY-MM-DD: the registry as it stood at the end of that day (server time zone).",
    )

    def validate(self, attrs):
        if attrs.get("as_of") and attrs["format"] in INTEROP_FORMATS:
            raise serializers.ValidationError(
                {"as_of": [f"The {attrs['format']} format holds today's entries only."]}
            )
        return attrs


def export_response(export: Export):
    if export.file is not None:
        response: StreamingHttpResponse = FileResponse(
            export.file, content_type=export.content_type, as_attachment=True,
            filename=export.filename,
        )  # fmt: skip
    else:
        response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return signed(response, export.manifest, export.signature)


Response = TypeVar("Response", bound=HttpResponseBase)


def signed(response: Response, manifest: dict, signature: str) -> Response:
    """The headers every export carries (registry, audit trail, bundle, dossier PDF)."""
    # ASCII JSON so the header stays valid whatever the filters hold.
    response["X-Export-Manifest"] = json.dumps(manifest, ensure_ascii=True)
    # Base64 Ed25519 over that manifest; the public key is at /audit/public-key.pem.
    response["X-Export-Signature"] = signature
    return response


EXPORT_RESPONSES = {
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.BINARY, description="CSV in UTF-8 with a byte-order mark, header row first."
    ),
    (200, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description='{"manifest": {...}, "signature": "...", "rows": [...]}'
    ),
    (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
        OpenApiTypes.BINARY,
        description="XLSX workbook: the rows, then a Manifest sheet ending with its signature.",
    ),
    400: OpenApiResponse(description="Bad filter values, by field."),
    403: OpenApiResponse(description="Not an auditor or the chair."),
}


class RegistryExportView(IgnoreFormatNegotiation, APIView):
    """The registry as CSV, JSON or XLSX, or in the US federal inventory's columns (`omb`) or as
    EU database records (`eu_db`), streamed; the manifest is in `X-Export-Manifest` and its
    signature in `X-Export-Signature`."""

    permission_classes = [IsAuthenticated, AuditorOrChair]

    @extend_schema(
        operation_id="registry_export",
        parameters=[RegistryExportParams],
        responses=EXPORT_RESPONSES,
    )
    def get(self, request):
        params = RegistryExportParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        fmt = data.pop("format")
        export = registry_export(
            user=request.user,
            fmt=fmt,
            filters=RegistryFilters(**data),
            site=request.build_absolute_uri("/"),
        )
        return export_response(export)
