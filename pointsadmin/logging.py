"""Structured logs: one JSON line per request, vendor-call timings, and a last-line secret filter."""

from __future__ import annotations

import contextvars
import json
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse

from vendors.redaction import redact

request_logger = logging.getLogger("pointsadmin.request")


@dataclass
class VendorCallRecord:
    vendor: str
    endpoint: str
    outcome: str
    duration_ms: float


# The vendor calls of the current request. A list, so that worker threads started with
# `contextvars.copy_context()` append to the same one as the request's own thread.
current_vendor_calls: contextvars.ContextVar[list[VendorCallRecord] | None] = contextvars.ContextVar(
    "current_vendor_calls", default=None
)


def record_vendor_call(*, vendor: str, endpoint: str, outcome: str, duration_ms: float, **signal: Any) -> None:
    """Receives vendors.http.vendor_call_finished, sent after every HTTP call (no URL, no body: nothing secret)."""
    calls = current_vendor_calls.get()
    if calls is not None:
        calls.append(VendorCallRecord(vendor, endpoint, outcome, round(duration_ms, 1)))


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        calls: list[VendorCallRecord] = []
        token = current_vendor_calls.set(calls)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            current_vendor_calls.reset(token)
        # A server error may have come from reading the user (the session, the database): not read again.
        user = getattr(request, "user", None) if response.status_code < 500 else None
        match = getattr(request, "resolver_match", None)
        request_logger.info(
            "request",
            extra={
                "data": {
                    "method": request.method,
                    "route": match.route if match else None,
                    "view": match.view_name if match else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": user.get_username() if user is not None and user.is_authenticated else None,
                    "htmx": request.headers.get("HX-Request") == "true",
                    "vendor_calls": [call.__dict__ for call in calls],
                }
            },
        )
        return response


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra={"data": {...}}` is merged in. An exception comes as one traceback and one
    line per exception it was raised from (`causes`): a chain of full tracebacks repeats the same frames."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data = getattr(record, "data", None)
        if isinstance(data, dict):
            payload.update(data)
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            payload["exception"] = redact("".join(traceback.format_exception(error, chain=False)).rstrip())
            if causes := _causes(error):
                payload["causes"] = causes
        return json.dumps(payload, ensure_ascii=False, default=str)


def _causes(error: BaseException) -> list[str]:
    """One line for each exception `error` was raised from or while handling, nearest first (at most ten)."""
    causes: list[str] = []
    while len(causes) < 10:
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        if error is None:
            break
        causes.append(redact(f"{type(error).__module__}.{type(error).__qualname__}: {' '.join(str(error).split())}"))
    return causes


class RedactSecretsFilter(logging.Filter):
    """A last line of defence: scrubs credential-looking values from every log message (third-party libraries)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
