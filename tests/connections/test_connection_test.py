"""The "Test connection" button and `manage.py connection test`: the vendor handshake over (faked) HTTP,
the result and latency stored and audited, the result swapped in by htmx or shown after a plain POST."""

from __future__ import annotations

from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditAction, AuditEntry
from connections.models import VendorConnection
from tests.conftest import TEST_CREDENTIALS
from tests.connections.conftest import all_secret_values
from tests.connections.handshakes import (
    BASE_URLS,
    HANDSHAKES,
    SLOW_READ_SECONDS,
    fake_kingdee_handshake,
    fake_xiaoe_handshake,
    fake_xinyue_handshake,
)
from vendors.tokens import token_retry_after

pytestmark = pytest.mark.django_db


def htmx_test(client, connection: VendorConnection):
    return client.post(
        reverse("connections:test", args=[connection.pk]),
        {"next": reverse("connections:list")},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def assert_no_secret(text: str) -> None:
    for secret in all_secret_values():
        assert secret not in text


# --- the real handshakes, over faked HTTP -----------------------------------------------------------


@pytest.mark.parametrize("vendor", list(HANDSHAKES))
def test_the_button_runs_the_handshake_and_records_result_and_latency(
    vendor, vendor_http, admin_client, admin_user, make_connection, caplog
):
    caplog.set_level("DEBUG")
    connection = make_connection(vendor, base_url=BASE_URLS[vendor])
    note = HANDSHAKES[vendor](vendor_http)

    response = htmx_test(admin_client, connection)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="test-result-{connection.pk}"' in html
    assert "Passed" in html
    assert note in html
    assert "HX-Request" in response.headers["Vary"]
    connection.refresh_from_db()
    assert connection.last_test_ok is True
    assert connection.last_test_message == note
    assert connection.last_test_latency_ms >= SLOW_READ_SECONDS * 1000
    assert connection.last_tested_at is not None
    assert f"{connection.last_test_latency_ms} ms" in html
    entry = AuditEntry.objects.get(action=AuditAction.CONNECTION_TESTED)
    assert entry.connection == connection
    assert entry.user == admin_user
    assert entry.details["ok"] is True
    assert entry.details["latency_ms"] == connection.last_test_latency_ms
    assert_no_secret(html)
    assert_no_secret(caplog.text)


def test_a_refused_secret_is_a_failed_test_shown_with_status_200(vendor_http, admin_client, make_connection, caplog):
    caplog.set_level("DEBUG")
    connection = make_connection("xiaoe", base_url=BASE_URLS["xiaoe"])
    secret = TEST_CREDENTIALS["xiaoe"]["secret_key"]
    # 2001 = invalid secret_key (VENDORS.md §2); this vendor even quotes the secret back at us.
    vendor_http.get(
        f"{BASE_URLS['xiaoe']}/token", json={"code": 2001, "msg": f"invalid secret_key {secret}", "data": None}
    )

    response = htmx_test(admin_client, connection)

    assert response.status_code == 200  # htmx 2 would not swap a 4xx/5xx
    html = response.content.decode()
    assert "Failed" in html
    assert "The vendor refused our credentials: invalid secret_key" in html
    connection.refresh_from_db()
    assert connection.last_test_ok is False
    assert connection.last_test_message.startswith("The vendor refused our credentials: invalid secret_key")
    assert connection.last_test_latency_ms is not None
    assert AuditEntry.objects.get(action=AuditAction.CONNECTION_TESTED).details["ok"] is False
    for text in (html, connection.last_test_message, caplog.text):
        assert secret not in text


def test_refused_credentials_are_not_retried_for_a_minute_and_the_page_says_until_when(
    vendor_http, admin_client, make_connection
):
    # A token endpoint has a tight limit of its own (Xiaoe 100 per 10 min, VENDORS.md §2; issue 14 #5).
    connection = make_connection("xiaoe", base_url=BASE_URLS["xiaoe"])
    edit = reverse("connections:edit", args=[connection.pk])
    assert "Next sign-in attempt" not in admin_client.get(edit, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    fetch = vendor_http.get(
        f"{BASE_URLS['xiaoe']}/token", json={"code": 2001, "msg": "invalid secret_key", "data": None}
    )
    html = htmx_test(admin_client, connection).content.decode()
    retry_at = token_retry_after(connection.to_config())
    assert 55 <= (retry_at - timezone.now()).total_seconds() <= 61
    shown = f"Next sign-in attempt at {timezone.localtime(retry_at):%H:%M:%S}"
    assert shown in html
    assert shown in admin_client.get(edit, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Failed" in htmx_test(admin_client, connection).content.decode()
    assert fetch.call_count == 1  # the second test was answered from the remembered refusal


def test_an_unreachable_vendor_is_a_failed_test(vendor_http, no_pauses, admin_client, make_connection):
    connection = make_connection("kingdee", base_url=BASE_URLS["kingdee"])
    vendor_http.get(
        f"{BASE_URLS['kingdee']}/jdyconnector/app_management/kingdee_auth_token",
        body=requests.ConnectionError("connection refused"),
    )
    html = htmx_test(admin_client, connection).content.decode()
    assert "The vendor&#x27;s service cannot be reached right now." in html
    connection.refresh_from_db()
    assert connection.last_test_ok is False


def test_without_javascript_the_page_comes_back_with_the_result(vendor_http, admin_client, make_connection):
    connection = make_connection("xinyue", name="Xinyue main", base_url=BASE_URLS["xinyue"])
    note = fake_xinyue_handshake(vendor_http)
    edit = reverse("connections:edit", args=[connection.pk])

    response = admin_client.post(
        reverse("connections:test", args=[connection.pk]), {"next": edit}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    assert response.url == edit
    page = admin_client.get(edit, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Test of “Xinyue main”: {note}" in page  # the message
    assert 'class="badge ok"' in page  # and the stored result next to the button
    assert_no_secret(page)


def test_the_list_shows_the_result_after_a_test(vendor_http, admin_client, make_connection):
    connection = make_connection("kingdee", base_url=BASE_URLS["kingdee"])
    note = fake_kingdee_handshake(vendor_http)
    htmx_test(admin_client, connection)
    html = admin_client.get(reverse("connections:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert note in html
    connection.refresh_from_db()
    assert f"{connection.last_test_latency_ms} ms" in html


def test_the_command_runs_the_same_test(vendor_http, make_connection):
    connection = make_connection("xiaoe", name="Xiaoe", base_url=BASE_URLS["xiaoe"])
    note = fake_xiaoe_handshake(vendor_http)
    out = StringIO()
    with translation.override("en"):
        call_command("connection", "test", "Xiaoe", stdout=out)
    assert f"Passed: Xiaoe: {note}" in out.getvalue()
    connection.refresh_from_db()
    assert connection.last_test_ok is True
    entry = AuditEntry.objects.get(action=AuditAction.CONNECTION_TESTED)
    assert entry.details["via"].startswith("manage.py connection test")


def test_the_command_fails_with_the_vendors_reason(vendor_http, make_connection):
    make_connection("xinyue", name="Xinyue", base_url=BASE_URLS["xinyue"])
    vendor_http.post(f"{BASE_URLS['xinyue']}/upbot/api/auth/GetAccessToken", json={"ret": 1001, "msg": "bad appid"})
    expected = "Failed: Xinyue: The vendor refused our credentials: bad appid"
    with pytest.raises(CommandError, match=expected), translation.override("en"):
        call_command("connection", "test", "Xinyue", stdout=StringIO())
