"""The language of a page: the browser's (Accept-Language, among settings.LANGUAGES) on the
pages whose every word is translated (settings.TRANSLATED_PATHS: the public transparency pages),
English everywhere else, so that no page mixes two languages."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def translated(path: str) -> bool:
    return path.startswith(tuple(settings.TRANSLATED_PATHS))


class TranslatedPagesLanguage:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = translated(request.path_info)
        language = (
            translation.get_language_from_request(request) if chosen else settings.LANGUAGE_CODE
        )
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
            response = self.get_response(request)
        if chosen:
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)  # type: ignore[attr-defined]
        return response
