"""Project-level pages: the health check, the lockout page, and a 500 page that cannot fail."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Names the part that is down, logged in one line: a load balancer asks every few seconds."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - whatever it is, the database is down for us
        logger.warning("healthz: database check failed: %s", _one_line(error))
        checks["database"] = "error"
    try:
        cache.set("healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "error"
    except Exception as error:  # noqa: BLE001 - whatever it is, the cache is down for us
        logger.warning("healthz: cache check failed: %s", _one_line(error.__cause__ or error))
        checks["cache"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}"


def locked_out(request: HttpRequest, credentials: dict | None = None, *args: object, **kwargs: object) -> HttpResponse:
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500.html; should even that fail, a plain page: an exception here is handled again by every
    middleware and ends as the server's bare page."""
    try:
        return defaults.server_error(request)
    except Exception as error:  # noqa: BLE001 - the last resort must answer
        logger.error("500 page failed to render: %s", _one_line(error))
        return HttpResponseServerError(
            format_html(
                '<!DOCTYPE html><html lang="{}"><meta charset="utf-8"><title>{}</title><h1>{}</h1><p>{}</p></html>',
                get_language(),
                gettext("Something went wrong"),
                gettext("Something went wrong on our side"),
                gettext(
                    "The error has been logged. Please try again; if it keeps happening, tell an admin what you "
                    "were doing."
                ),
            )
        )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a refused form says what to do, in the user's language (Django's reason stays in the log)."""
    return render(request, "csrf_failure.html", status=403)
