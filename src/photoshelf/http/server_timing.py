"""Server-Timing on every response: the time Django spent, and the stages it went through."""

from __future__ import annotations

import time

from photoshelf.core import timing


class ServerTimingMiddleware:
    """`Server-Timing: app;dur=<ms>`: the time Django spent on the request, body reading included,
    followed by the stages it went through (an upload's `receive`, `pixels`, `store`, `record`).

    Outermost in MIDDLEWARE so it counts every other middleware; `make bench` reads it to tell
    server time from network time, and browsers show it in their developer tools.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        with timing.recording() as stages:
            response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - start) * 1000
        metrics = [f"app;dur={elapsed_ms:.1f}"]
        metrics += [f"{name};dur={ms:.1f}" for name, ms in stages.items()]
        response.headers["Server-Timing"] = ", ".join(metrics)
        return response
