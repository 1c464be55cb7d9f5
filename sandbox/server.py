"""The vendor sandbox: Tencent Xinyue, Xiaoe-tech and Kingdee JDY on one port, as their documents describe.

One module per vendor (sandbox/xinyue.py, xiaoe.py, kingdee.py) declares its endpoints, error bodies and
knob defaults; this module dispatches to them, applies the knobs (latency, faults) and serves the sandbox's
own control endpoints under /_sandbox/ (see sandbox/README.md). Adding a vendor: one module, one line here.
"""

from __future__ import annotations

import importlib
import logging
import time
from dataclasses import asdict
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox import hostile
from sandbox.core import (
    FAULTS,
    Endpoint,
    Knobs,
    Reply,
    Request,
    SandboxState,
    VendorApi,
    asked_page,
    json_reply,
    with_headers,
)

logger = logging.getLogger("sandbox")

VENDOR_MODULES: dict[str, str] = {
    "xinyue": "sandbox.xinyue",
    "xiaoe": "sandbox.xiaoe",
    "kingdee": "sandbox.kingdee",
}
VENDORS = tuple(VENDOR_MODULES)


@cache
def vendor_api(vendor: str) -> VendorApi:
    return importlib.import_module(VENDOR_MODULES[vendor]).API


@cache
def routes() -> dict[tuple[str, str], tuple[str, Endpoint]]:
    """(method, path) → (vendor, endpoint), over every vendor module."""
    return {key: (vendor, endpoint) for vendor in VENDORS for key, endpoint in vendor_api(vendor).endpoints.items()}


def new_state(seed: int = 20261124) -> SandboxState:
    """A sandbox state with every vendor's knob defaults."""
    return SandboxState(seed=seed, knob_defaults={vendor: vendor_api(vendor).knobs for vendor in VENDORS})


def _fault_reply(vendor: str, fault: str) -> Reply | None:
    """The reply a forced fault gives instead of the real one (None: handled elsewhere)."""
    errors = vendor_api(vendor).errors
    if fault == "http_500":
        return Reply(500, b"Internal Server Error", "text/plain; charset=utf-8")
    if fault == "http_502_html":
        html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
        return Reply(502, html.encode(), "text/html; charset=utf-8")
    if fault == "http_429":
        return with_headers(json_reply(errors["rate_limited"], 429), {"Retry-After": "1"})
    if fault == "malformed_json":
        return Reply(200, b'{"ret": 0, "code": 0, "errcode": 0, "data": {"list": [')
    if fault in ("wrong_shape", "vendor_error"):
        return json_reply(errors[fault])
    return None


# --- the sandbox's own control endpoints ---------------------------------------------------------------
def control(state: SandboxState, request: Request) -> Reply:
    if request.path == "/_sandbox/counters" and request.method == "GET":
        with state.lock:
            return json_reply(dict(state.counters))
    if request.path == "/_sandbox/config" and request.method == "GET":
        return json_reply({vendor: asdict(knobs) for vendor, knobs in state.knobs.items()})
    if request.path == "/_sandbox/reset" and request.method == "POST":
        state.reset()
        return json_reply({"ok": True})
    if request.path == "/_sandbox/revoke_tokens" and request.method == "POST":
        body = request.json()
        if not isinstance(body, dict) or body.get("vendor") not in VENDORS:
            return json_reply({"error": f"expected {{'vendor': one of {', '.join(VENDORS)}}}"}, 400)
        state.expire_tokens(body["vendor"])
        return json_reply({"ok": True})
    if request.path == "/_sandbox/config" and request.method == "POST":
        changes = request.json()
        if not isinstance(changes, dict) or not set(changes) <= set(VENDORS):
            return json_reply({"error": f"expected an object keyed by vendor: {', '.join(VENDORS)}"}, 400)
        allowed = set(Knobs.__dataclass_fields__)
        for knobs in changes.values():
            if not isinstance(knobs, dict) or not set(knobs) <= allowed:
                return json_reply({"error": f"knobs are {sorted(allowed)}"}, 400)
            if knobs.get("fault") not in (None, *FAULTS):
                return json_reply({"error": f"fault is one of {FAULTS} or null"}, 400)
            if knobs.get("hostile_data") not in (None, *hostile.HOSTILE_KINDS):
                return json_reply({"error": f"hostile_data is one of {hostile.HOSTILE_KINDS} or null"}, 400)
        with state.lock:
            for vendor, knobs in changes.items():
                for name, value in knobs.items():
                    setattr(state.knobs[vendor], name, value)
        return json_reply({vendor: asdict(knobs) for vendor, knobs in state.knobs.items()})
    if request.path == "/_sandbox/health":
        return json_reply({"ok": True})
    return json_reply({"error": "unknown sandbox control endpoint"}, 404)


def dispatch(state: SandboxState, request: Request) -> Reply:
    if request.path.startswith("/_sandbox/"):
        return control(state, request)
    route = routes().get((request.method, request.path))
    if route is None:
        return json_reply({"error": f"no such endpoint: {request.method} {request.path}"}, 404)
    vendor, endpoint = route
    state.count(f"calls:{request.method} {request.path}")
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if endpoint.json_content and content_type != "application/json":
        return json_reply(vendor_api(vendor).errors["bad_params"])
    knobs = state.knobs[vendor]
    if knobs.latency_ms:
        time.sleep(knobs.latency_ms / 1000)
    fault = request.headers.get("X-Sandbox-Fault") or knobs.fault if endpoint.data else None
    if endpoint.data and fault is None and knobs.error_rate:
        with state.lock:
            if state.error_rng.random() < knobs.error_rate:
                fault = "http_500"
    if endpoint.data and fault is None and knobs.fail_page and asked_page(request) == knobs.fail_page:
        with state.lock:
            if knobs.fail_page_times:
                knobs.fail_page_times -= 1 if knobs.fail_page_times > 0 else 0
                state.counters[f"page_faults:{vendor}"] += 1
                fault = "http_500"
    if fault == "timeout":
        time.sleep(min(float(knobs.timeout_seconds), 60.0))
        fault = None
    if fault == "expired_token":
        # Once: every current token of the vendor becomes stale, as if it expired mid-session.
        state.expire_tokens(vendor)
        with state.lock:
            if knobs.fault == "expired_token":
                knobs.fault = None
        fault = None
    reply = _fault_reply(vendor, fault) if fault else None
    reply = reply or endpoint.handler(state, request, fault == "empty")
    if endpoint.data and knobs.hostile_data:
        return hostile.hostile_reply(vendor, reply, knobs.hostile_data)
    return reply


class SandboxRequestHandler(BaseHTTPRequestHandler):
    server_version = "VendorSandbox/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, so clients' connection pools work as with real vendors
    # One segment per reply (buffered, flushed after each request) and no Nagle: otherwise headers and
    # body leave in two small writes and the client's delayed ACK adds ~40 ms to every call.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        request = Request(self.command, parts.path, dict(pairs), pairs, self.headers, body)
        try:
            reply = dispatch(self.server.state, request)  # type: ignore[attr-defined]
        except Exception:  # a sandbox bug answers 500 like a vendor would, and is logged
            logger.exception("sandbox error on %s %s", request.method, request.path)
            reply = Reply(500, b"sandbox error", "text/plain")
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = _handle
    do_POST = _handle

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SandboxState | None = None) -> None:
        self.state = state or new_state()
        super().__init__(address, SandboxRequestHandler)
