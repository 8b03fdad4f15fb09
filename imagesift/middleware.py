"""Turn an unavailable engine into a clear 503 page (the API answers JSON itself)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
