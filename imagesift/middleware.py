"""Requests the views should never see, and errors they should not answer alone: NUL characters
refused up front, and an unavailable engine as a clear 503 page (the API answers JSON itself)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render

from imagesift.errors import api_error, is_api
from vision.errors import EngineUnavailable


class EngineUnavailableMiddleware:
    """Admin and page requests that reach an unavailable engine get a 503 saying why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, EngineUnavailable):
            return render(request, "503.html", {"reason": str(exception)}, status=503)
        return None


class NullCharactersMiddleware:
    """A NUL character in a query or form field is refused with a 400 before any view runs:
    PostgreSQL cannot store or compare one, and no field of ours needs it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = [request.GET]
        if request.method == "POST" and request.content_type in FORM_TYPES:
            fields.append(request.POST)
        if any(_has_null(data) for data in fields):
            return _null_refused(request)
        return self.get_response(request)


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
NULL_DETAIL = "A query or form field holds a NUL character (%00), which no field accepts."


def _has_null(data: QueryDict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in data.lists()
    )


def _null_refused(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error(NULL_DETAIL, "null_character", 400)
    return HttpResponseBadRequest(NULL_DETAIL, content_type="text/plain; charset=utf-8")
