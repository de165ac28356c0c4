"""The API schema's project-wide additions (drf-spectacular): what every operation of a kind
takes or may answer, declared once here rather than on each view."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter

from common import idempotency
from common.api import ERROR_BODY, KEY_HEADER, IdempotentPostMixin

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    KEY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": idempotency.KEY_MAX, "pattern": "^[ -~]+$"},
    OpenApiParameter.HEADER,
    required=False,
    description="Any text you choose, new for each action (e.g. a UUID), to have the POST done "
    "once: sent again with the same key and body, it is not done twice and gets the first "
    "answer back with `Idempotent-Replayed: true`. Remembered for 24 hours, for you alone; "
    "a refused or failed request does not use it up.",
)
KEY_REUSED_ANSWER = {
    "description": "The Idempotency-Key was used for another request (another endpoint or "
    "other data): nothing is done.",
    "content": {"application/json": {"schema": ERROR_BODY}},
}


class AutoSchema(SpectacularAutoSchema):
    """Each POST of a view set with IdempotentPostMixin declares the Idempotency-Key header."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST" and isinstance(self.view, IdempotentPostMixin):
            return [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        return parameters


def document_idempotency_key(result, generator, request, public):
    """drf-spectacular postprocessing hook: an operation that takes an Idempotency-Key lists
    its 422 answer."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            parameters = operation.get("parameters", [])
            if any(p.get("in") == "header" and p.get("name") == KEY_HEADER for p in parameters):
                operation.setdefault("responses", {}).setdefault("422", KEY_REUSED_ANSWER)
    return result
