"""The shared HTTP plumbing (vendors/http.py): sessions, timeouts, bounded retries, error mapping,
call records, and no secret in any error. Exercised through a minimal client so that each rule is seen alone;
the vendor modules' own tests cover the same rules on their real endpoints."""

from __future__ import annotations

import email.utils
import socket
import threading
import traceback
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from responses import matchers

from vendors.base import CredentialField, VendorProfile
from vendors.exceptions import (
    VendorAuthError,
    VendorBadResponse,
    VendorRateLimited,
    VendorRejected,
    VendorTimeout,
    VendorTokenRejected,
    VendorUnavailable,
)
from vendors.http import CodeMessageClient, result_page, session_for
from vendors.results import ConnectionConfig
from vendors.xiaoe import XiaoeClient

URL = "https://demo.vendor.test/read"
SECRET = "demo-secret-5e6f7a8b9c0d"


class DemoClient(CodeMessageClient):
    """A vendor with one read endpoint answering {"code": 0, "msg": ..., "data": ...}."""

    profile = VendorProfile(
        key="demo",
        display_name="Demo",
        capabilities=frozenset(),
        default_base_url="https://demo.vendor.test",
        credential_fields=(CredentialField("key", "Key", secret=False), CredentialField("secret", "Secret")),
    )

    def read(self, **kwargs: Any) -> Any:
        return self.send("POST", "/read", json={"q": "x"}, unwrap=self._unwrap, **kwargs)


def demo_config(**overrides: Any) -> ConnectionConfig:
    fields: dict[str, Any] = {
        "id": 42,
        "vendor": "demo",
        "base_url": "https://demo.vendor.test",
        "credentials": {"key": "k-1", "secret": SECRET},
        "timeout": 3.0,
    }
    fields.update(overrides)
    return ConnectionConfig(**fields)


@pytest.fixture
def client() -> DemoClient:
    return DemoClient(demo_config())


# --- success, timeout, sessions ------------------------------------------------------------------------
def test_every_call_carries_the_connection_timeout(vendor_http, client):
    vendor_http.post(
        URL,
        json={"code": 0, "data": {"n": 1}},
        match=[matchers.request_kwargs_matcher({"timeout": 3.0}), matchers.json_params_matcher({"q": "x"})],
    )
    assert client.read() == {"n": 1}


def test_fractions_are_read_as_decimal_never_float(vendor_http, client):
    vendor_http.post(URL, body='{"code": 0, "data": {"amount": 12.30}}', content_type="application/json")
    assert client.read() == {"amount": Decimal("12.30")}
    assert len(vendor_http.calls) == 1


def test_one_session_per_connection_per_thread_and_a_fresh_one_after_a_credential_edit():
    config = demo_config()
    first = session_for(config)
    assert session_for(config) is first
    other_thread: list[requests.Session] = []
    thread = threading.Thread(target=lambda: other_thread.append(session_for(config)))
    thread.start()
    thread.join()
    assert other_thread[0] is not first

    edited = demo_config(credentials={"key": "k-1", "secret": "a-new-secret-value"})
    fresh = session_for(edited)
    assert fresh is not first
    assert session_for(edited) is fresh
    assert session_for(demo_config(id=43)) is not fresh  # another connection, another session


def test_a_proxy_from_the_environment_is_used_except_where_no_proxy_says(monkeypatch):
    # An intranet dashboard often reaches the vendors through an outbound proxy.
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.intranet.test:3128")
    monkeypatch.setenv("NO_PROXY", "direct.vendor.test")
    proxied = session_for(demo_config(id=501, base_url="https://far.vendor.test"))
    direct = session_for(demo_config(id=502, base_url="https://direct.vendor.test"))
    assert proxied.proxies.get("https") == "http://proxy.intranet.test:3128"
    assert "https" not in direct.proxies


def test_a_private_ca_bundle_from_the_environment_is_trusted(monkeypatch, tmp_path):
    bundle = tmp_path / "intranet-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert session_for(demo_config(id=503)).verify == str(bundle)


# --- retries -----------------------------------------------------------------------------------------
def test_a_connection_error_is_retried_twice_then_reported_unavailable(vendor_http, client, pauses):
    for _ in range(3):
        vendor_http.post(URL, body=requests.ConnectionError("connection refused"))
    with pytest.raises(VendorUnavailable) as caught:
        client.read()
    assert type(caught.value) is VendorUnavailable
    assert isinstance(caught.value.__cause__, requests.ConnectionError)
    assert len(vendor_http.calls) == 3
    assert len(pauses) == 2
    # Exponential backoff with up to 50% jitter: 0.2 s, then 0.4 s.
    assert 0.2 <= pauses[0] <= 0.3
    assert 0.4 <= pauses[1] <= 0.6


def test_a_5xx_then_success_returns_the_data(vendor_http, client, pauses):
    vendor_http.post(URL, status=503, body="<html>Service Unavailable</html>")
    vendor_http.post(URL, json={"code": 0, "data": "fine"})
    assert client.read() == "fine"
    assert len(vendor_http.calls) == 2
    assert len(pauses) == 1


def test_a_5xx_three_times_is_unavailable_with_its_status(vendor_http, client, pauses):
    for status in (500, 502, 504):
        vendor_http.post(URL, status=status)
    with pytest.raises(VendorUnavailable) as caught:
        client.read()
    assert caught.value.status == 504
    assert len(vendor_http.calls) == 3


def test_a_timeout_is_not_retried(vendor_http, client, pauses):
    vendor_http.post(URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(VendorTimeout) as caught:
        client.read()
    assert isinstance(caught.value.__cause__, requests.ReadTimeout)
    assert len(vendor_http.calls) == 1
    assert pauses == []


def test_a_connect_timeout_is_a_timeout_not_a_connection_error(vendor_http, client, pauses):
    vendor_http.post(URL, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(VendorTimeout):
        client.read()
    assert len(vendor_http.calls) == 1


def test_429_honours_a_short_retry_after(vendor_http, client, pauses):
    vendor_http.post(URL, status=429, headers={"Retry-After": "1"})
    vendor_http.post(URL, json={"code": 0, "data": 1})
    assert client.read() == 1
    assert pauses == [1.0]


def test_429_with_a_long_retry_after_is_reported_at_once(vendor_http, client, pauses):
    vendor_http.post(URL, status=429, headers={"Retry-After": "30"})
    with pytest.raises(VendorRateLimited) as caught:
        client.read()
    assert caught.value.status == 429
    assert len(vendor_http.calls) == 1
    assert pauses == []


def test_429_every_time_is_rate_limited_after_the_retries(vendor_http, client, pauses):
    for _ in range(3):
        vendor_http.post(URL, status=429)
    with pytest.raises(VendorRateLimited):
        client.read()
    assert len(vendor_http.calls) == 3


@pytest.mark.parametrize("status", [400, 404, 405, 422])
def test_other_4xx_are_rejected_without_a_retry(vendor_http, client, pauses, status):
    vendor_http.post(URL, status=status, body="nope")
    with pytest.raises(VendorRejected) as caught:
        client.read()
    assert caught.value.status == status
    assert len(vendor_http.calls) == 1
    assert pauses == []


def test_a_4xx_with_the_vendors_error_body_shows_the_vendors_message(vendor_http, client):
    vendor_http.post(URL, status=400, json={"code": 1001, "msg": "请求参数错误"})
    with pytest.raises(VendorRejected) as caught:
        client.read()
    assert caught.value.code == 1001
    assert caught.value.status == 400
    assert "请求参数错误" in caught.value.user_message()


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_auth_errors_and_never_retried(vendor_http, client, pauses, status):
    vendor_http.post(URL, status=status)
    with pytest.raises(VendorAuthError) as caught:
        client.read(token_request=True)
    assert type(caught.value) is VendorAuthError
    assert len(vendor_http.calls) == 1


def test_401_on_a_call_with_a_token_says_the_token_was_refused(vendor_http, client):
    vendor_http.post(URL, status=401)
    with pytest.raises(VendorTokenRejected):
        client.read()


def test_a_vendor_error_code_is_not_retried(vendor_http, client, pauses):
    vendor_http.post(URL, json={"code": 7, "msg": "no such thing"})
    with pytest.raises(VendorRejected) as caught:
        client.read()
    assert caught.value.code == 7
    assert len(vendor_http.calls) == 1


def test_a_redirect_is_not_followed(vendor_http, client):
    # Following it would resend our auth headers elsewhere; an unregistered URL would also fail differently.
    vendor_http.post(URL, status=302, headers={"Location": "https://elsewhere.vendor.test/login"})
    with pytest.raises(VendorBadResponse):
        client.read()
    assert len(vendor_http.calls) == 1


@pytest.mark.parametrize(
    "body",
    ["<!DOCTYPE html><html><body>网关错误</body></html>", "", "[1, 2]", '"ok"', "{not json"],
    ids=["html", "empty", "array", "string", "broken"],
)
def test_unreadable_replies_are_bad_responses(vendor_http, client, body):
    vendor_http.post(URL, body=body, status=200)
    with pytest.raises(VendorBadResponse):
        client.read()


# --- what gets recorded and shown ----------------------------------------------------------------------
def test_every_attempt_is_recorded_with_its_path_and_outcome(vendor_http, client, pauses, vendor_calls):
    vendor_http.post(URL, status=503)
    vendor_http.post(URL, json={"code": 5, "msg": "nope"})
    with pytest.raises(VendorRejected):
        client.read()
    assert [(c.vendor, c.endpoint, c.outcome) for c in vendor_calls] == [
        ("demo", "/read", "http_503"),
        ("demo", "/read", "vendor_error:5"),
    ]
    assert all(c.duration_ms >= 0 for c in vendor_calls)


def test_a_vendor_message_quoting_a_secret_is_scrubbed(vendor_http, client):
    vendor_http.post(URL, json={"code": 9, "msg": f"bad secret {SECRET} for key"})
    with pytest.raises(VendorRejected) as caught:
        client.read()
    assert SECRET not in caught.value.user_message()
    assert SECRET not in str(caught.value)
    assert "[redacted]" in caught.value.user_message()


def _closed_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_connection_error_on_a_url_with_secrets_leaks_them_nowhere(make_config, pauses):
    """Xiaoe's token request carries the secret key in its query string; urllib3 quotes the URL in its
    errors. Neither our error nor the traceback of its cause chain may show it. A real refused connection
    on loopback, so that the texts are the real libraries' own."""
    config = make_config("xiaoe", base_url=f"http://127.0.0.1:{_closed_loopback_port()}")
    secret = config.credentials["secret_key"]
    with pytest.raises(VendorUnavailable) as caught:
        XiaoeClient(config).tokens.get()
    text = "".join(traceback.format_exception(caught.value))
    assert "Max retries exceeded" in text  # the cause chain is there…
    assert secret not in text  # …without the secret
    assert "secret_key=" not in text
    assert "/token?[query removed]" in text
    assert secret not in caught.value.user_message()


# --- totals ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rows", "page", "size", "reported", "total", "exact"),
    [
        (20, 1, 20, 45, 45, True),
        (5, 3, 20, 45, 45, True),
        (20, 1, 20, 5, 20, False),  # a total smaller than the rows seen
        (3, 1, 20, 45, 45, False),  # a short page that is not the last
        (20, 1, 20, None, None, False),  # no total, full page: unknown
        (7, 2, 20, None, 27, True),  # no total, short page: it is the last
        (0, 1, 20, None, 0, True),
        (0, 3, 20, 45, 45, False),  # page 3 of 45 rows should hold 5
    ],
)
def test_result_page_checks_the_vendors_total_against_the_rows(rows, page, size, reported, total, exact):
    result = result_page(list(range(rows)), page=page, page_size=size, reported_total=reported)
    assert (result.total, result.total_exact) == (total, exact)


def test_retry_after_as_an_http_date_is_honoured(vendor_http, client, pauses):
    soon = email.utils.format_datetime(datetime.now(tz=UTC) + timedelta(seconds=1), usegmt=True)
    vendor_http.post(URL, status=503, headers={"Retry-After": soon})
    vendor_http.post(URL, json={"code": 0, "data": 1})
    assert client.read() == 1
    (waited,) = pauses
    assert 0 <= waited <= 1.0
