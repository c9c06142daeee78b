"""Every call to /api/ is logged: token (when it authenticated), method, path, status, time."""

from __future__ import annotations

import time

from parindex.api.models import ApiCall


class ApiCallLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        token = getattr(request, "api_token", None)
        ApiCall.objects.create(
            token=token,
            method=request.method[:8],
            path=request.path_info[:300],
            status=response.status_code,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        return response
