"""Base URLs that could reach the server's own network are refused (issue 17, finding 9).

Link-local and cloud-metadata addresses never; private and loopback ones unless VENDOR_ALLOW_PRIVATE_HOSTS.
The form judges the URL; the connection test resolves the host and judges every address; every connection
a vendor call opens is judged again by the address it reached (DNS rebinding)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
import requests
import responses
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEntry
from connections.addresses import guard_session
from connections.models import VendorConnection
from tests.connections.conftest import PUBLIC_ADDRESS
from tests.connections.handshakes import BASE_URLS, fake_xiaoe_handshake

pytestmark = pytest.mark.django_db

ALWAYS_REFUSED = [
    ("http://169.254.169.254", "link-local"),
    ("http://169.254.170.2/v2/credentials", "link-local"),
    ("http://[::ffff:169.254.169.254]", "link-local"),
    ("http://[fe80::1]", "link-local"),
    ("http://100.100.100.200", "cloud metadata"),
    ("http://metadata.google.internal", "cloud metadata"),
    ("http://METADATA.google.internal.", "cloud metadata"),
    ("http://[fd00:ec2::254]", "cloud metadata"),
    ("http://[64:ff9b::a9fe:a9fe]", "link-local"),  # NAT64 spelling of 169.254.169.254
    ("http://0.0.0.0:8765", "not one a vendor can answer on"),
    ("https://api.kingdee.com:0", "The port must be a number from 1 to 65535."),
    ("https://api.kingdee.com:65536", "The port must be a number from 1 to 65535."),
]
PRIVATE = [
    ("http://127.0.0.1:8765", "loopback"),
    ("http://[::1]:8765", "loopback"),
    ("http://localhost:8765", None),  # a name: judged when it is resolved, not here
    ("http://10.0.0.5", "private (intranet) address"),
    ("http://192.168.1.10:8080", "private (intranet) address"),
    ("http://172.16.0.1", "private (intranet) address"),
    ("http://100.64.0.1", "private (intranet) address"),  # shared CGNAT space
    ("http://[fd12:3456::1]", "private (intranet) address"),
]


def create(admin_client, form_data, base_url: str):
    return admin_client.post(
        reverse("connections:create", args=["xiaoe"]),
        form_data("xiaoe", base_url=base_url),
        HTTP_ACCEPT_LANGUAGE="en",
    )


def answer_everything_at(mock: responses.RequestsMock, base: str) -> None:
    mock.assert_all_requests_are_fired = False
    for method in (responses.GET, responses.POST):
        mock.add(method, re.compile(re.escape(base) + r"/.*"), json={"code": 0, "data": {}})


# --- the form ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("allow_private", [False, True])
@pytest.mark.parametrize(("base_url", "reason"), ALWAYS_REFUSED)
def test_link_local_metadata_and_bad_ports_are_refused_always(
    admin_client, form_data, vendor_http, dns, base_url, reason, allow_private
):
    with override_settings(VENDOR_ALLOW_PRIVATE_HOSTS=allow_private):
        response = create(admin_client, form_data, base_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved." in html
    assert reason in html
    assert not VendorConnection.objects.exists()
    assert not AuditEntry.objects.exists()
    assert dns.asked == []
    assert len(vendor_http.calls) == 0


@override_settings(VENDOR_ALLOW_PRIVATE_HOSTS=False)
@pytest.mark.parametrize(("base_url", "reason"), [case for case in PRIVATE if case[1]])
def test_private_and_loopback_addresses_are_refused_by_default(admin_client, form_data, base_url, reason):
    response = create(admin_client, form_data, base_url)
    html = response.content.decode()
    assert response.status_code == 200
    assert reason in html
    assert "VENDOR_ALLOW_PRIVATE_HOSTS" in html
    assert not VendorConnection.objects.exists()


@override_settings(VENDOR_ALLOW_PRIVATE_HOSTS=True)
@pytest.mark.parametrize(("base_url", "reason"), PRIVATE)
def test_private_and_loopback_addresses_are_allowed_for_intranet_vendors(
    admin_client, form_data, dns, base_url, reason
):
    dns["localhost"] = ["127.0.0.1"]
    response = create(admin_client, form_data, base_url)
    assert response.status_code == 302
    assert VendorConnection.objects.get().base_url == base_url


def test_the_command_refuses_the_same_addresses():
    with pytest.raises(CommandError, match=r"--base-url: This is a link-local address"), translation.override("en"):
        call_command(
            "connection",
            "add",
            "--vendor",
            "xinyue",
            "--name",
            "X",
            "--base-url",
            "http://169.254.169.254",
            "--credential",
            "appid=a",
            "--credential",
            "app_secret=b",
            stdout=StringIO(),
        )
    assert not VendorConnection.objects.exists()


# --- the test, which resolves the host first --------------------------------------------------------------------
def htmx_test(client, connection: VendorConnection) -> str:
    response = client.post(
        reverse("connections:test", args=[connection.pk]), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    return response.content.decode()


@override_settings(VENDOR_ALLOW_PRIVATE_HOSTS=False)
@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["10.1.2.3"], "moved.vendor.test resolves to 10.1.2.3. This is a private (intranet) address."),
        (["127.0.0.1"], "moved.vendor.test resolves to 127.0.0.1. This is the server itself (loopback)."),
        # Every address is judged, not only the first.
        ([PUBLIC_ADDRESS, "169.254.169.254"], "moved.vendor.test resolves to 169.254.169.254. This is a link-local"),
        (["::ffff:169.254.169.254"], "This is a link-local address"),
        (["100.100.100.200"], "This is a cloud metadata service"),
    ],
)
def test_a_host_resolving_to_a_refused_address_is_sent_nothing(
    admin_client, make_connection, vendor_http, dns, answers, expected
):
    connection = make_connection("xiaoe", base_url="https://moved.vendor.test")
    dns["moved.vendor.test"] = answers
    answer_everything_at(vendor_http, "https://moved.vendor.test")

    html = htmx_test(admin_client, connection)

    assert "Failed" in html
    assert "Not sent: " in html
    assert expected in html
    assert len(vendor_http.calls) == 0
    connection.refresh_from_db()
    assert connection.last_test_ok is False


@override_settings(VENDOR_ALLOW_PRIVATE_HOSTS=True)
def test_with_private_hosts_allowed_an_intranet_vendor_is_tested_but_metadata_still_is_not(
    admin_client, make_connection, vendor_http, dns
):
    connection = make_connection("xiaoe", base_url=BASE_URLS["xiaoe"])
    dns["xiaoe.vendor.test"] = ["10.1.2.3"]
    note = fake_xiaoe_handshake(vendor_http)
    assert note in htmx_test(admin_client, connection)

    dns["xiaoe.vendor.test"] = ["169.254.169.254"]
    html = htmx_test(admin_client, connection)
    assert "This is a link-local address" in html
    assert len(vendor_http.calls) == 2  # the first test's two calls, nothing since


def test_a_host_that_does_not_resolve_is_said_so(admin_client, make_connection, dns):
    connection = make_connection("xiaoe", base_url="https://nowhere.vendor.test")
    html = htmx_test(admin_client, connection)
    assert "Not sent: The host name nowhere.vendor.test cannot be found (DNS)." in html


def test_the_vendors_own_words_are_a_short_escaped_excerpt(admin_client, make_connection, vendor_http):
    connection = make_connection("xiaoe", base_url=BASE_URLS["xiaoe"])
    hostile = "<b>bold</b>\n" + "x" * 400
    vendor_http.get(f"{BASE_URLS['xiaoe']}/token", json={"code": 2001, "msg": hostile, "data": None})

    html = htmx_test(admin_client, connection)

    message = re.search(r'<span class="test-message">(.*?)</span>', html, re.S).group(1)
    assert "&lt;b&gt;bold&lt;/b&gt;" in message
    assert "<b>" not in html
    assert "\n" not in message
    assert message.endswith("…")
    assert len(message.replace("&lt;", "<").replace("&gt;", ">")) <= 160
    connection.refresh_from_db()
    assert len(connection.last_test_message) <= 160


# --- every connection a vendor call opens (DNS rebinding) -------------------------------------------------------
class _Recorder(BaseHTTPRequestHandler):
    hits: list[str]

    def _answer(self) -> None:
        self.hits.append(self.path)
        body = b'{"code": 0, "msg": "ok", "data": {"access_token": "t", "expires_in": 7200}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_vendor(vendor_http) -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 that records every request reaching it: (base URL by name, hits)."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://localhost:{server.server_address[1]}"
    vendor_http.add_passthru(base)  # real HTTP for this server only
    try:
        yield base, hits
    finally:
        server.shutdown()
        server.server_close()


@override_settings(VENDOR_ALLOW_PRIVATE_HOSTS=False)
def test_a_host_whose_dns_answer_changes_after_the_check_is_still_sent_nothing(
    admin_client, make_connection, dns, loopback_vendor
):
    base, hits = loopback_vendor
    # The check is told "public" (a rebinding DNS server's first answer); the connection itself then
    # reaches 127.0.0.1, as the system resolver says.
    dns["localhost"] = [PUBLIC_ADDRESS]
    connection = make_connection("xiaoe", base_url=base)

    html = htmx_test(admin_client, connection)

    assert "Failed" in html
    assert hits == []


@override_settings(VENDOR_ALLOW_PRIVATE_HOSTS=False)
def test_a_member_lookup_never_reaches_a_refused_address_either(support_client, make_connection, loopback_vendor):
    base, hits = loopback_vendor
    connection = make_connection("xiaoe", base_url=base)
    # The member page calls the vendor from the vendor pool's threads as well as the request's own.
    response = support_client.get(reverse("ledger:member_detail", args=[connection.pk, "u_demo_000001"]))
    assert response.status_code == 200
    assert hits == []


def test_the_same_server_is_reached_when_private_hosts_are_allowed(admin_client, make_connection, dns, loopback_vendor):
    base, hits = loopback_vendor
    dns["localhost"] = ["127.0.0.1"]
    connection = make_connection("xiaoe", base_url=base)
    with override_settings(VENDOR_ALLOW_PRIVATE_HOSTS=True):
        htmx_test(admin_client, connection)
    assert hits  # the refusals above are the guard's doing, not a server that never answers


@override_settings(VENDOR_ALLOW_PRIVATE_HOSTS=False)
def test_through_a_proxy_the_host_is_judged_by_what_it_resolves_to(vendor_http, dns):
    """Behind a proxy the socket leads to the proxy, so the vendor's host is judged by name before sending."""
    session = requests.Session()
    guard_session(session)
    proxies = {"https": "http://proxy.vendor.test:3128"}
    vendor_http.get("https://split.vendor.test/ping", json={})
    dns["moved.vendor.test"] = ["10.1.2.3"]

    with pytest.raises(requests.ConnectionError):
        session.get("https://moved.vendor.test/ping", proxies=proxies, timeout=1)
    # A name only the proxy can resolve (split DNS) is left to the proxy.
    assert session.get("https://split.vendor.test/ping", proxies=proxies, timeout=1).status_code == 200
    assert [call.request.url for call in vendor_http.calls] == ["https://split.vendor.test/ping"]
