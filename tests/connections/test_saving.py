"""Saving a connection tests it and says plainly whether the vendor accepted it (issue 18, item 2).

A connection the vendor refuses is saved but marked: admins see the mark in the list and its figures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses
from django.urls import reverse
from responses import matchers

from audit.models import AuditAction, AuditEntry
from connections import services
from connections.models import VendorConnection
from sandbox.testing import SandboxHandle, running_sandbox
from tests.conftest import TEST_CREDENTIALS
from tests.connections.conftest import all_secret_values
from tests.connections.handshakes import BASE_URLS, HANDSHAKES, fake_kingdee_handshake

pytestmark = pytest.mark.django_db

XIAOE = TEST_CREDENTIALS["xiaoe"]


def create(admin_client, form_data, vendor: str, **overrides: str):
    return admin_client.post(
        reverse("connections:create", args=[vendor]),
        form_data(vendor, base_url=BASE_URLS[vendor], **overrides),
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


def refuse_xiaoe_secret(mock: responses.RequestsMock) -> None:
    # 2001 = invalid secret_key (VENDORS.md §2).
    mock.get(f"{BASE_URLS['xiaoe']}/token", json={"code": 2001, "msg": "invalid secret_key", "data": None})


def test_saving_a_wrong_secret_says_at_once_that_the_vendor_refused_it(admin_client, form_data, vendor_http):
    refuse_xiaoe_secret(vendor_http)

    response = create(admin_client, form_data, "xiaoe", credential_secret_key="xe-wrong-secret-000000")

    connection = VendorConnection.objects.get()
    # Saved, and back on its form to fix it.
    assert response.redirect_chain == [(reverse("connections:edit", args=[connection.pk]), 302)]
    html = response.content.decode()
    assert f"“{connection.name}” is saved, but the vendor did not accept it." in html
    assert "support staff cannot see this vendor&#x27;s data" in html
    assert "Reason: The vendor refused our credentials: invalid secret_key" in html
    assert "xe-wrong-secret-000000" not in html
    assert connection.failing
    assert connection.last_tested_at is not None
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.CONNECTION_CREATED, AuditAction.CONNECTION_TESTED]


@pytest.mark.parametrize("vendor", list(HANDSHAKES))
def test_saving_good_settings_says_the_vendor_accepted_them(admin_client, form_data, vendor_http, vendor):
    note = HANDSHAKES[vendor](vendor_http)

    response = create(admin_client, form_data, vendor)

    assert response.redirect_chain == [(reverse("connections:list"), 302)]
    html = response.content.decode()
    assert f"“{vendor} shop” is saved and the vendor accepted it: {note}" in html
    connection = VendorConnection.objects.get()
    assert connection.last_test_ok is True
    assert not connection.failing
    for secret in all_secret_values():
        assert secret not in html


def test_an_edit_is_tested_with_the_values_just_saved(admin_client, make_connection, form_data, vendor_http):
    connection = make_connection("xiaoe", name="xiaoe shop", base_url=BASE_URLS["xiaoe"])
    new_secret = "xe-rotated-secret-5a6b7c8d9e0f"
    # The token request must carry the secret typed in this very edit.
    vendor_http.get(
        f"{BASE_URLS['xiaoe']}/token",
        match=[matchers.query_param_matcher({**XIAOE, "secret_key": new_secret, "grant_type": "client_credential"})],
        json={"code": 2001, "msg": "invalid secret_key", "data": None},
    )

    response = admin_client.post(
        reverse("connections:edit", args=[connection.pk]),
        form_data("xiaoe", base_url=BASE_URLS["xiaoe"], credential_secret_key=new_secret),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302
    assert response.url == reverse("connections:edit", args=[connection.pk])
    connection.refresh_from_db()
    assert connection.credentials["secret_key"] == new_secret
    assert connection.failing


def test_a_disabled_account_is_saved_without_a_test(admin_client, form_data, vendor_http):
    response = create(admin_client, form_data, "kingdee", enabled=None)
    assert "is saved. It is disabled, so it was not tested." in response.content.decode()
    assert VendorConnection.objects.get().last_tested_at is None
    assert len(vendor_http.calls) == 0


def test_a_later_passing_test_clears_the_mark(admin_client, form_data, make_connection, vendor_http):
    connection = make_connection("kingdee", base_url=BASE_URLS["kingdee"], last_test_ok=False)
    fake_kingdee_handshake(vendor_http)
    admin_client.post(reverse("connections:test", args=[connection.pk]), HTTP_HX_REQUEST="true")
    connection.refresh_from_db()
    assert not connection.failing


# --- the mark, for admins ------------------------------------------------------------------------------------
def _failing(make_connection, name: str = "Kingdee Hangzhou") -> VendorConnection:
    return make_connection(
        "kingdee",
        name=name,
        last_tested_at=datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
        last_test_ok=False,
        last_test_message="The vendor refused our credentials.",
    )


def test_the_list_marks_a_failing_account_and_counts_it(admin_client, make_connection):
    failing = _failing(make_connection)
    make_connection("xiaoe", name="Xiaoe shop", last_tested_at=datetime(2026, 11, 30, tzinfo=UTC), last_test_ok=True)
    make_connection("xinyue", name="Xinyue")  # never tested
    make_connection("kingdee", name="Kingdee old", enabled=False, last_test_ok=False)

    html = admin_client.get(reverse("connections:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    row = html.split(f'id="connection-{failing.pk}"')[1].split("</tr>")[0]
    assert 'class="is-failing"' in html.split(f'id="connection-{failing.pk}"')[1][:30]
    assert "Not accepted" in row
    figures = html.split('class="connection-health"')[1].split("</dl>")[0]
    assert "<dt>Passed the last test</dt><dd>1</dd>" in figures
    assert "<dt>Not accepted by the vendor</dt><dd>1</dd>" in figures
    assert "<dt>Not tested</dt><dd>1</dd>" in figures
    assert "<dt>Disabled</dt><dd>1</dd>" in figures
    assert "One enabled vendor account was not accepted by its vendor when last tested." in html


def test_the_figures_come_from_one_query(django_assert_num_queries, make_connection):
    _failing(make_connection)
    make_connection("xinyue", name="Xinyue", enabled=False)
    with django_assert_num_queries(1):
        health = services.connection_health()
    assert health == {"total": 2, "failing": 1, "passing": 0, "untested": 0, "disabled": 1}


def test_the_form_of_a_failing_account_says_so(admin_client, make_connection):
    failing = _failing(make_connection)
    html = admin_client.get(reverse("connections:edit", args=[failing.pk]), HTTP_ACCEPT_LANGUAGE="en").content
    assert "The vendor did not accept this account when it was last tested." in html.decode()


# --- the mark, for support staff -------------------------------------------------------------------------------
# --- end to end, against the sandbox over real HTTP ------------------------------------------------------------
@pytest.fixture
def sandbox(vendor_http) -> Iterator[SandboxHandle]:
    # Real HTTP to the sandbox (on a loopback port not known before it starts), `responses` for the rest.
    vendor_http.add_passthru(re.compile(r"http://127\.0\.0\.1:\d+/"))
    with running_sandbox() as handle:
        yield handle


def test_against_the_sandbox_a_wrong_secret_is_told_at_once_and_the_right_one_passes(admin_client, form_data, sandbox):
    credentials = TEST_CREDENTIALS["kingdee"]
    data = form_data("kingdee", base_url=sandbox.base_url, credential_client_secret="kd-wrong-client-secret-000000")

    refused = admin_client.post(
        reverse("connections:create", args=["kingdee"]), data, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True
    )

    connection = VendorConnection.objects.get()
    html = refused.content.decode()
    assert "已保存，但供应商没有接受这些设置" in html  # noqa: RUF001 - a Chinese comma
    assert "kd-wrong-client-secret-000000" not in html
    assert connection.failing
    assert sandbox.counters().get("signature_failures:kingdee", 0) >= 1

    fixed = admin_client.post(
        reverse("connections:edit", args=[connection.pk]),
        {**data, "credential_client_secret": credentials["client_secret"]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        follow=True,
    )

    assert "已保存，供应商接受了这些设置" in fixed.content.decode()  # noqa: RUF001 - a Chinese comma
    connection.refresh_from_db()
    assert connection.last_test_ok is True
