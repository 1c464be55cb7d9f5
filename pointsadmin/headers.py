"""Response headers of our own: Permissions-Policy on every response, and `Cache-Control: no-store` on the
pages that show a member's data, the audit log or the users (a shared browser or proxy must keep no copy)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from audit.decorators import is_member_data_view

# The dashboard uses no device or browser feature: deny them all, so an injected script could not either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

# Pages that are not member data but must not be stored either (views marked @shows_member_data are too).
NO_STORE_VIEW_NAMES = frozenset({"audit_log"})
NO_STORE_NAMESPACES = frozenset({"accounts"})


def must_not_be_stored(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    return (
        is_member_data_view(match.func)
        or match.view_name in NO_STORE_VIEW_NAMES
        or bool(set(match.namespaces) & NO_STORE_NAMESPACES)
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if must_not_be_stored(request):
            add_never_cache_headers(response)
            if "no-store" not in response.headers["Cache-Control"]:
                response.headers["Cache-Control"] += ", no-store"
        return response
