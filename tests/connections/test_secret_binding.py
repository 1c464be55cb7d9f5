"""Stored secrets go only to the address they were saved for (issue 17, finding 1).

An admin who re-points a connection's base URL to another scheme, host or port must type every secret
again; the stored ones are never sent to the new address, not by saving, not by the test button."""

from __future__ import annotations

import re
from io import StringIO

import pytest
import responses
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from audit.models import AuditAction, AuditEntry
from connections import services
from connections.forms import CREDENTIAL_PREFIX
from connections.models import VendorConnection
from tests.conftest import TEST_CREDENTIALS
from tests.connections.conftest import secret_values
from tests.connections.handshakes import BASE_URLS, fake_kingdee_handshake
from vendors.registry import vendor_profile

pytestmark = pytest.mark.django_db

KINGDEE = TEST_CREDENTIALS["kingdee"]
EVIL = "https://evil.vendor.test"


def answer_everything_at(mock: responses.RequestsMock, base: str) -> None:
    """Whatever is sent to `base` is answered (and recorded), so a request that should not happen is seen."""
    mock.assert_all_requests_are_fired = False
    for method in (responses.GET, responses.POST):
        mock.add(method, re.compile(re.escape(base) + r"/.*"), json={"errcode": 0, "code": 0, "ret": 0, "data": {}})


def requests_to(mock: responses.RequestsMock, base: str) -> list[str]:
    return [call.request.url for call in mock.calls if call.request.url.startswith(base + "/")]


def carried_secrets(mock: responses.RequestsMock, vendor: str) -> list[str]:
    """The stored secrets of `vendor` that any request sent carried, in its URL, headers or body."""
    found = []
    for call in mock.calls:
        request = call.request
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        text = " ".join([request.url, str(dict(request.headers)), body])
        found += [secret for secret in secret_values(vendor) if secret in text]
    return found


def edit(admin_client, connection: VendorConnection, data: dict[str, str]):
    return admin_client.post(reverse("connections:edit", args=[connection.pk]), data, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(
    "new_base_url",
    [
        EVIL,  # another host
        "http://kingdee.vendor.test",  # another scheme
        "https://kingdee.vendor.test:8443",  # another port
    ],
)
def test_a_base_url_pointing_elsewhere_asks_for_every_secret_again_and_saves_nothing(
    admin_client, make_connection, form_data, vendor_http, new_base_url
):
    connection = make_connection("kingdee", name="kingdee shop", base_url=BASE_URLS["kingdee"])
    answer_everything_at(vendor_http, new_base_url)
    data = form_data("kingdee", base_url=new_base_url, credential_client_secret="", credential_app_secret="")

    response = edit(admin_client, connection, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved." in html
    message = (
        f"The base URL now points to {new_base_url}. Type this secret again: "
        f"the stored one is only ever sent to {BASE_URLS['kingdee']}."
    )
    assert html.count(message) == 2  # client_secret and app_secret
    connection.refresh_from_db()
    assert connection.base_url == BASE_URLS["kingdee"]
    assert connection.credentials == KINGDEE
    assert not AuditEntry.objects.exists()
    assert len(vendor_http.calls) == 0


def test_the_edit_page_says_where_the_stored_secrets_go(admin_client, make_connection):
    connection = make_connection("kingdee", base_url=BASE_URLS["kingdee"])
    html = admin_client.get(reverse("connections:edit", args=[connection.pk]), HTTP_ACCEPT_LANGUAGE="en").content
    assert (
        f"The stored secrets are sent only to {BASE_URLS['kingdee']}. If you change the scheme, host or port "
        "of the base URL, type every secret again."
    ) in html.decode()


def test_with_the_secrets_typed_again_the_move_is_saved_tested_there_and_audited_with_both_urls(
    admin_client, admin_user, make_connection, form_data, vendor_http
):
    connection = make_connection("kingdee", name="kingdee shop", base_url="https://gw.vendor.test")
    # The handshake at the new address, matched on the secrets just typed (the same values here).
    fake_kingdee_handshake(vendor_http)

    response = edit(admin_client, connection, form_data("kingdee", base_url=BASE_URLS["kingdee"]))

    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.base_url == BASE_URLS["kingdee"]
    assert connection.credentials == KINGDEE
    assert connection.last_test_ok is True
    entry = AuditEntry.objects.get(action=AuditAction.CONNECTION_CHANGED)
    assert entry.user == admin_user
    assert entry.details["base_url_old"] == "https://gw.vendor.test"
    assert entry.details["base_url_new"] == BASE_URLS["kingdee"]
    assert "base_url" in entry.details["changed"]
    assert requests_to(vendor_http, "https://gw.vendor.test") == []


def test_a_change_made_without_the_form_drops_the_secrets_it_was_not_given(make_connection, vendor_http):
    """The services layer enforces the rule too (the command and any future caller go through it)."""
    connection = make_connection("kingdee", name="kingdee shop", base_url=BASE_URLS["kingdee"])
    answer_everything_at(vendor_http, EVIL)
    data = services.ConnectionInput(
        name=connection.name,
        base_url=EVIL,
        timeout_seconds=10,
        enabled=True,
        credentials={},  # nothing typed: "keep" would have meant "send the stored secrets to EVIL"
    )

    changed = services.connection_update(connection=connection, data=data, user=None)
    connection.refresh_from_db()
    passed = services.connection_test(connection=connection, user=None)

    assert "credentials.client_secret" in changed
    assert "credentials.app_secret" in changed
    assert set(connection.credentials) == {"client_id", "app_key", "domain"}
    assert passed is False
    assert carried_secrets(vendor_http, "kingdee") == []


def test_the_test_button_never_sends_stored_secrets_to_an_address_they_were_not_saved_for(
    admin_client, make_connection, vendor_http
):
    connection = make_connection("kingdee", name="kingdee shop", base_url=BASE_URLS["kingdee"])
    # Re-pointed behind the pages' back (a shell, a restored backup): the secrets still belong to the old host.
    VendorConnection.objects.filter(pk=connection.pk).update(base_url=EVIL)
    answer_everything_at(vendor_http, EVIL)

    response = admin_client.post(
        reverse("connections:test", args=[connection.pk]), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Failed" in html
    assert f"Not sent: the stored secrets were saved for {BASE_URLS['kingdee']}, not for {EVIL}." in html
    assert requests_to(vendor_http, EVIL) == []
    assert carried_secrets(vendor_http, "kingdee") == []
    connection.refresh_from_db()
    assert connection.last_test_ok is False
    entry = AuditEntry.objects.get(action=AuditAction.CONNECTION_TESTED)
    assert entry.details["ok"] is False
    assert entry.details["not_sent"] == "secrets_origin"


def test_the_test_command_keeps_the_same_rule(make_connection, vendor_http):
    connection = make_connection("kingdee", name="Kingdee", base_url=BASE_URLS["kingdee"])
    VendorConnection.objects.filter(pk=connection.pk).update(base_url=EVIL)
    answer_everything_at(vendor_http, EVIL)
    with pytest.raises(CommandError, match="Not sent: the stored secrets were saved for"), translation.override("en"):
        call_command("connection", "test", "Kingdee", stdout=StringIO())
    assert len(vendor_http.calls) == 0


@pytest.mark.parametrize("vendor", ["xinyue", "xiaoe", "kingdee"])
def test_as_found_a_new_host_blank_secrets_and_the_test_button_send_that_host_nothing(
    admin_client, make_connection, form_data, vendor_http, vendor
):
    """Issue 17 #1 as the sweep found it, for every vendor: Xinyue's app_secret and Xiaoe's secret_key travel in the
    clear, and Kingdee's secrets sign its requests (a signature a new host could replay)."""
    connection = make_connection(vendor, name=f"{vendor} shop", base_url=BASE_URLS[vendor])
    answer_everything_at(vendor_http, EVIL)
    secret_names = [spec.name for spec in vendor_profile(vendor).credential_fields if spec.secret]
    blank_secrets = {CREDENTIAL_PREFIX + name: "" for name in secret_names}

    edit(admin_client, connection, form_data(vendor, base_url=EVIL, **blank_secrets))
    tested = admin_client.post(reverse("connections:test", args=[connection.pk]), HTTP_HX_REQUEST="true")

    assert tested.status_code == 200
    connection.refresh_from_db()
    assert connection.base_url == BASE_URLS[vendor]
    assert requests_to(vendor_http, EVIL) == []  # the test went to the address the secrets were saved for
