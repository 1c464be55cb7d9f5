"""The connection pages: who may open them, what they save, what they never show, what they audit."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from connections.models import VendorConnection
from tests.conftest import TEST_CREDENTIALS
from tests.connections.conftest import all_secret_values, secret_values
from tests.connections.handshakes import BASE_URLS, HANDSHAKES

pytestmark = pytest.mark.django_db

VENDORS = list(TEST_CREDENTIALS)


def assert_no_secret(html: str) -> None:
    for secret in all_secret_values():
        assert secret not in html


def password_inputs(html: str) -> list[str]:
    return re.findall(r"<input[^>]*type=\"password\"[^>]*>", html)


# --- roles ------------------------------------------------------------------------------------------


def _routes(connection: VendorConnection) -> list[tuple[str, str]]:
    return [
        ("get", reverse("connections:list")),
        ("get", reverse("connections:create", args=["kingdee"])),
        ("post", reverse("connections:create", args=["kingdee"])),
        ("get", reverse("connections:edit", args=[connection.pk])),
        ("post", reverse("connections:edit", args=[connection.pk])),
        ("post", reverse("connections:toggle", args=[connection.pk])),
        ("get", reverse("connections:delete", args=[connection.pk])),
        ("post", reverse("connections:delete", args=[connection.pk])),
        ("post", reverse("connections:test", args=[connection.pk])),
    ]


@pytest.mark.parametrize("role_client", ["support_client", "manager_client"])
def test_support_and_manager_get_403_everywhere_and_change_nothing(request, role_client, make_connection):
    client = request.getfixturevalue(role_client)
    connection = make_connection("kingdee")
    for method, url in _routes(connection):
        response = getattr(client, method)(url, {"enabled": "0"} if method == "post" else None)
        assert response.status_code == 403, f"{method} {url}"
    connection.refresh_from_db()
    assert connection.enabled is True
    assert connection.last_tested_at is None
    assert VendorConnection.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_anonymous_is_sent_to_login(client, make_connection):
    connection = make_connection("xinyue")
    for method, url in _routes(connection):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert VendorConnection.objects.filter(pk=connection.pk).exists()


def test_admin_opens_every_page(admin_client, make_connection):
    connection = make_connection("xiaoe")
    assert admin_client.get(reverse("connections:list")).status_code == 200
    for vendor in VENDORS:
        assert admin_client.get(reverse("connections:create", args=[vendor])).status_code == 200
    assert admin_client.get(reverse("connections:edit", args=[connection.pk])).status_code == 200
    assert admin_client.get(reverse("connections:delete", args=[connection.pk])).status_code == 200


def test_the_navigation_shows_connections_to_admins_only(admin_client, manager_client):
    url = reverse("connections:list")
    assert f'href="{url}"' in admin_client.get(reverse("audit_log")).content.decode()
    assert f'href="{url}"' not in manager_client.get(reverse("ledger:member_search")).content.decode()


def test_unknown_vendor_and_connection_are_404(admin_client):
    assert admin_client.get(reverse("connections:create", args=["paypal"])).status_code == 404
    assert admin_client.get(reverse("connections:edit", args=[999])).status_code == 404
    assert admin_client.post(reverse("connections:test", args=[999])).status_code == 404


def test_posts_need_the_csrf_token(admin_user, make_connection, form_data):
    connection = make_connection("kingdee")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(reverse("connections:toggle", args=[connection.pk]), {"enabled": "0"}).status_code == 403
    assert client.post(reverse("connections:delete", args=[connection.pk])).status_code == 403
    assert client.post(reverse("connections:create", args=["xinyue"]), form_data("xinyue")).status_code == 403
    connection.refresh_from_db()
    assert connection.enabled
    assert VendorConnection.objects.count() == 1


def test_state_changing_routes_refuse_get(admin_client, make_connection):
    connection = make_connection("kingdee")
    assert admin_client.get(reverse("connections:toggle", args=[connection.pk])).status_code == 405
    assert admin_client.get(reverse("connections:test", args=[connection.pk])).status_code == 405


# --- list -------------------------------------------------------------------------------------------


def test_list_shows_each_connection_and_its_last_test(admin_client, make_connection):
    from datetime import UTC, datetime

    make_connection("kingdee", name="Kingdee Shanghai")
    make_connection(
        "xinyue",
        name="Xinyue main",
        enabled=False,
        last_tested_at=datetime(2025, 5, 1, 2, 3, 4, tzinfo=UTC),
        last_test_ok=False,
        last_test_message="The vendor refused our credentials.",
        last_test_latency_ms=321,
    )
    response = admin_client.get(reverse("connections:list"))
    html = response.content.decode()
    assert "Kingdee Shanghai" in html
    assert "https://api.kingdee.com" in html
    assert "Xinyue main" in html
    assert "The vendor refused our credentials." in html
    assert "321" in html
    # Shown in Asia/Shanghai: 02:03:04 UTC is 10:03:04 there.
    assert "2025-05-01 10:03:04" in html
    assert 'value="1"' in html  # the disabled one offers "Enable"
    assert 'value="0"' in html  # the enabled one offers "Disable"
    assert_no_secret(html)


def test_list_without_connections_says_so_and_offers_each_vendor(admin_client):
    html = admin_client.get(reverse("connections:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No vendor accounts yet." in html
    for vendor in VENDORS:
        assert reverse("connections:create", args=[vendor]) in html


# --- create -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor", VENDORS)
def test_create_form_is_built_from_the_vendors_credential_fields(admin_client, vendor):
    from vendors.registry import vendor_profile

    html = admin_client.get(reverse("connections:create", args=[vendor])).content.decode()
    profile = vendor_profile(vendor)
    for spec in profile.credential_fields:
        assert f'name="credential_{spec.name}"' in html
    assert len(password_inputs(html)) == sum(1 for spec in profile.credential_fields if spec.secret)
    assert f'value="{profile.default_base_url}"' in html


@pytest.mark.parametrize("vendor", VENDORS)
def test_create_saves_encrypted_and_audits_names_only(admin_client, admin_user, form_data, vendor_http, vendor):
    HANDSHAKES[vendor](vendor_http)
    response = admin_client.post(
        reverse("connections:create", args=[vendor]), form_data(vendor, base_url=BASE_URLS[vendor])
    )
    assert response.status_code == 302
    assert response.url == reverse("connections:list")
    connection = VendorConnection.objects.get()
    assert connection.vendor == vendor
    assert connection.credentials == TEST_CREDENTIALS[vendor]
    assert connection.created_by == admin_user
    entry = AuditEntry.objects.get(action=AuditAction.CONNECTION_CREATED)
    assert entry.connection == connection
    assert entry.user == admin_user
    assert {f"credentials.{key}" for key in TEST_CREDENTIALS[vendor]} <= set(entry.details["changed"])
    for value in TEST_CREDENTIALS[vendor].values():
        assert value not in str(entry.details)
    followed = admin_client.get(response.url).content.decode()
    assert f"{vendor} shop" in followed
    assert_no_secret(followed)


def test_create_keeps_a_trailing_slash_off_and_accepts_a_sandbox_http_url(admin_client, form_data):
    admin_client.post(
        reverse("connections:create", args=["xiaoe"]), form_data("xiaoe", base_url="http://127.0.0.1:8765/")
    )
    assert VendorConnection.objects.get().base_url == "http://127.0.0.1:8765"


_TOO_LONG_URL = "https://example.com/" + "a" * 290

BAD_INPUT = [
    ("name", "", "Please fill this in."),
    ("name", "n" * 101, "At most 100 characters (this has 101)."),
    ("base_url", "", "Please fill this in."),
    ("base_url", "ftp://api.kingdee.com", "Enter a valid http:// or https:// address."),
    ("base_url", "javascript:alert(1)", "Enter a valid http:// or https:// address."),
    ("base_url", "not a url", "Enter a valid http:// or https:// address."),
    ("base_url", _TOO_LONG_URL, "At most 300 characters (this has 310)."),
    ("base_url", "https://user:pw@api.kingdee.com", "Do not put a user name or password in the URL"),
    ("base_url", "https://api.kingdee.com/?a=1", "cannot have a query string"),
    ("timeout_seconds", "", "Please fill this in."),
    ("timeout_seconds", "ten", "Enter the timeout as a whole number of seconds from 1 to 120."),
    ("timeout_seconds", "1.5", "Enter the timeout as a whole number of seconds from 1 to 120."),
    ("timeout_seconds", "0", "Enter the timeout as a whole number of seconds from 1 to 120."),
    ("timeout_seconds", "121", "Enter the timeout as a whole number of seconds from 1 to 120."),
    ("credential_client_id", "", "Please fill this in."),
    ("credential_client_secret", "", "Please fill this in."),
    ("credential_app_key", "k" * 257, "At most 256 characters (this has 257)."),
    ("credential_app_secret", "s" * 257, "At most 256 characters (this has 257)."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT)
def test_bad_input_in_every_field_gets_a_clear_message_and_saves_nothing(
    admin_client, form_data, field, value, message
):
    response = admin_client.post(
        reverse("connections:create", args=["kingdee"]),
        form_data("kingdee", **{field: value}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Nothing was saved." in html
    assert not VendorConnection.objects.exists()
    assert not AuditEntry.objects.exists()
    # The secrets typed with the rejected form are not sent back, yet the other fields are kept.
    assert_no_secret(html)
    for tag in password_inputs(html):
        assert "value=" not in tag
    if field != "credential_client_id":
        assert f'value="{TEST_CREDENTIALS["kingdee"]["client_id"]}"' in html


def test_duplicate_name_is_refused(admin_client, form_data, make_connection):
    make_connection("kingdee", name="Main shop")
    response = admin_client.post(
        reverse("connections:create", args=["xinyue"]), form_data("xinyue", name="Main shop"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "A vendor account with this name already exists." in response.content.decode()
    assert VendorConnection.objects.count() == 1


def test_xiaoe_client_id_is_optional(admin_client, form_data):
    admin_client.post(reverse("connections:create", args=["xiaoe"]), form_data("xiaoe", credential_client_id=""))
    assert "client_id" not in VendorConnection.objects.get().credentials


# --- edit -------------------------------------------------------------------------------------------


def test_edit_shows_non_secrets_and_marks_stored_secrets_without_showing_them(admin_client, make_connection):
    connection = make_connection("kingdee")
    html = admin_client.get(
        reverse("connections:edit", args=[connection.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    kingdee = TEST_CREDENTIALS["kingdee"]
    for key in ("client_id", "app_key", "domain"):
        assert f'value="{kingdee[key]}"' in html
    assert html.count("set ✓") == 2
    assert len(password_inputs(html)) == 2
    for tag in password_inputs(html):
        assert "value=" not in tag
    assert_no_secret(html)


def test_blank_secret_on_edit_keeps_the_stored_value_while_the_address_stays(admin_client, make_connection, form_data):
    connection = make_connection("kingdee", name="kingdee shop")
    # Same scheme, host and port; only the path differs: the secrets may still go there.
    data = form_data(
        "kingdee", credential_client_secret="", credential_app_secret="", base_url="https://api.kingdee.com/gateway"
    )
    response = admin_client.post(reverse("connections:edit", args=[connection.pk]), data)
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.credentials == TEST_CREDENTIALS["kingdee"]
    assert connection.base_url == "https://api.kingdee.com/gateway"
    entry = AuditEntry.objects.get(action=AuditAction.CONNECTION_CHANGED)
    assert entry.details["changed"] == ["base_url"]


def test_a_new_secret_replaces_the_stored_one_and_the_audit_names_it(admin_client, make_connection, form_data):
    connection = make_connection("xinyue", name="xinyue shop")
    new_secret = "xy-rotated-secret-0a1b2c3d4e5f"
    response = admin_client.post(
        reverse("connections:edit", args=[connection.pk]), form_data("xinyue", credential_app_secret=new_secret)
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.credentials["app_secret"] == new_secret
    entry = AuditEntry.objects.get(action=AuditAction.CONNECTION_CHANGED)
    assert entry.details["changed"] == ["credentials.app_secret"]
    assert new_secret not in str(entry.details)
    assert new_secret not in admin_client.get(reverse("connections:edit", args=[connection.pk])).content.decode()


def test_edit_with_errors_does_not_echo_the_new_secret_and_keeps_the_old(admin_client, make_connection, form_data):
    connection = make_connection("xinyue", name="xinyue shop")
    new_secret = "xy-typed-but-rejected-9f8e7d6c"
    response = admin_client.post(
        reverse("connections:edit", args=[connection.pk]),
        form_data("xinyue", credential_app_secret=new_secret, timeout_seconds="abc"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert new_secret not in html
    assert_no_secret(html)
    connection.refresh_from_db()
    assert connection.credentials == TEST_CREDENTIALS["xinyue"]
    assert not AuditEntry.objects.exists()


def test_a_required_secret_not_yet_stored_is_required_on_edit(admin_client, make_connection, form_data):
    credentials = dict(TEST_CREDENTIALS["xinyue"])
    del credentials["app_secret"]
    connection = make_connection("xinyue", name="xinyue shop", credentials=credentials)
    response = admin_client.post(
        reverse("connections:edit", args=[connection.pk]),
        form_data("xinyue", credential_app_secret=""),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Please fill this in." in response.content.decode()


def test_edit_without_changes_writes_nothing(admin_client, make_connection, form_data):
    connection = make_connection("xiaoe", name="xiaoe shop")
    before = connection.updated_at
    response = admin_client.post(
        reverse("connections:edit", args=[connection.pk]), form_data("xiaoe", credential_secret_key="")
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.updated_at == before
    assert not AuditEntry.objects.exists()


def test_renaming_to_an_existing_name_is_refused(admin_client, make_connection, form_data):
    make_connection("kingdee", name="Taken")
    connection = make_connection("xinyue", name="xinyue shop")
    response = admin_client.post(
        reverse("connections:edit", args=[connection.pk]), form_data("xinyue", name="Taken"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "A vendor account with this name already exists." in response.content.decode()
    connection.refresh_from_db()
    assert connection.name == "xinyue shop"


def test_disabling_in_the_edit_form_is_audited_as_a_disable(admin_client, make_connection, form_data):
    connection = make_connection("xiaoe", name="xiaoe shop")
    admin_client.post(reverse("connections:edit", args=[connection.pk]), form_data("xiaoe", enabled=None))
    connection.refresh_from_db()
    assert connection.enabled is False
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [AuditAction.CONNECTION_DISABLED]


# --- enable / disable / delete ----------------------------------------------------------------------


def test_disable_then_enable(admin_client, make_connection):
    connection = make_connection("kingdee")
    url = reverse("connections:toggle", args=[connection.pk])
    assert admin_client.post(url, {"enabled": "0"}).status_code == 302
    connection.refresh_from_db()
    assert connection.enabled is False
    # A second click posts the same wish: nothing more happens.
    admin_client.post(url, {"enabled": "0"})
    admin_client.post(url, {"enabled": "1"})
    connection.refresh_from_db()
    assert connection.enabled is True
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.CONNECTION_DISABLED, AuditAction.CONNECTION_ENABLED]


def test_toggle_with_a_bad_value_changes_nothing(admin_client, make_connection):
    connection = make_connection("kingdee")
    response = admin_client.post(
        reverse("connections:toggle", args=[connection.pk]),
        {"enabled": "maybe"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Choose whether to enable or disable the vendor account." in response.content.decode()
    connection.refresh_from_db()
    assert connection.enabled is True
    assert not AuditEntry.objects.exists()


def test_toggle_returns_to_the_page_it_came_from_but_never_off_site(admin_client, make_connection):
    connection = make_connection("kingdee")
    url = reverse("connections:toggle", args=[connection.pk])
    edit = reverse("connections:edit", args=[connection.pk])
    assert admin_client.post(url, {"enabled": "0", "next": edit}).url == edit
    assert admin_client.post(url, {"enabled": "1", "next": "https://evil.example/"}).url == reverse("connections:list")


def test_delete_asks_first_then_deletes_and_audits(admin_client, admin_user, make_connection):
    connection = make_connection("xinyue", name="Old account")
    url = reverse("connections:delete", args=[connection.pk])
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Old account" in page
    assert "cannot be undone" in page
    assert VendorConnection.objects.filter(pk=connection.pk).exists()
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not VendorConnection.objects.filter(pk=connection.pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.CONNECTION_DELETED)
    assert entry.target == "Old account"
    assert entry.user == admin_user


def test_secrets_never_reach_a_log_line(admin_client, make_connection, form_data, caplog):
    caplog.set_level("DEBUG")
    admin_client.post(reverse("connections:create", args=["kingdee"]), form_data("kingdee"))
    connection = VendorConnection.objects.get()
    admin_client.post(reverse("connections:edit", args=[connection.pk]), form_data("kingdee", timeout_seconds="x"))
    admin_client.post(reverse("connections:edit", args=[connection.pk]), form_data("kingdee", timeout_seconds="30"))
    admin_client.get(reverse("connections:list"))
    admin_client.post(reverse("connections:delete", args=[connection.pk]))
    assert caplog.records  # the request log did run
    for secret in secret_values("kingdee"):
        assert secret not in caplog.text
