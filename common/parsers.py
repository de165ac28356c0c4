"""The API's JSON parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

In a module of its own: DRF reads DEFAULT_PARSER_CLASSES while it defines APIView, so a module
that imports rest_framework.views (common.api) cannot hold a parser the settings name."""

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from common.limits import JSON_DEPTH_MAX


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with a 400 a body nested deeper than JSON_DEPTH_MAX, or larger
    than settings.DATA_UPLOAD_MAX_MEMORY_SIZE (which Django checks for forms, not DRF for JSON).

    No body the API takes is deeper than 4; a deeply nested one would otherwise exhaust the
    decoder's recursion (a 500) or every serializer walking it.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        size = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and size > limit:
            raise ParseError(f"JSON parse error - the body has {size} bytes, at most {limit}.")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(too_deep_message()) from error
        if json_depth(data) > JSON_DEPTH_MAX:
            raise ParseError(too_deep_message())
        return data


def too_deep_message() -> str:
    return f"JSON parse error - nested deeper than {JSON_DEPTH_MAX} levels."


def json_depth(data) -> int:
    """How deep lists and objects nest in parsed JSON (a scalar is 0), walked without recursion."""
    deepest = 0
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            pending.extend((item, depth + 1) for item in value)
    return deepest
