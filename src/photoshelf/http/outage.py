"""A storage or database outage is a 503 problem (API) or page, never a 500 or a hang."""

from __future__ import annotations

from .answers import unavailable_response


class UnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable_response(request, exception)
