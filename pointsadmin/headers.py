"""Response headers of our own: Permissions-Policy on every response, and `Cache-Control: no-store` on the
pages that show a member's data, the audit log or the users (a shared browser or proxy must keep no copy)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from audit.decorators import is_member_data_view

# The dashboard uses no device or browser feature: deny them all, so an injected script could not either.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), fullscreen=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        match = request.resolver_match
        # The audit log and the users are not member data (views marked @shows_member_data) but are not stored either.
        if match and (
            is_member_data_view(match.func) or match.view_name == "audit_log" or "accounts" in match.namespaces
        ):
            add_never_cache_headers(response)
        return response
