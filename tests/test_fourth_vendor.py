"""A fourth vendor is one module plus one registry line: tests/fourth_vendor.py, registered through the
POINTS_VENDORS setting and nothing else, gets a connection form, lookup panels, a member page and its place in
the search box's hint."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses
from django.urls import reverse
from responses import matchers

from connections import addresses
from connections.models import VendorConnection
from vendors.registry import VENDOR_CLIENT_PATHS

pytestmark = pytest.mark.django_db

BASE_URL = "https://api.acme-rewards.test"
API_KEY = "acme-key-6c1d0e9f8a7b"
CARD = "ACME-000123"
KEY_HEADER = matchers.header_matcher({"X-Api-Key": API_KEY})


@pytest.fixture(autouse=True)
def acme_registered(settings) -> None:
    settings.POINTS_VENDORS = {**VENDOR_CLIENT_PATHS, "acme": "tests.fourth_vendor.AcmeClient"}
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def acme_host_is_public(monkeypatch) -> None:
    # The connection test resolves the vendor's host before sending (connections/addresses.py).
    public = [ipaddress.ip_address("101.32.118.25")]
    monkeypatch.setattr(addresses, "resolve_host", lambda host, port: public)


@pytest.fixture
def acme_http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def acme_connection() -> VendorConnection:
    return VendorConnection.objects.create(
        vendor="acme", name="Acme desk", base_url=BASE_URL, credentials={"api_key": API_KEY}
    )


def fake_card(mock: responses.RequestsMock, page_size: str) -> None:
    mock.get(
        f"{BASE_URL}/v1/cards/{CARD}/balance",
        json={"code": 0, "msg": "ok", "data": {"points": 120}},
        match=[KEY_HEADER],
    )
    items = [
        {"id": "a2", "at": int(datetime(2026, 11, 30, 2, 0, tzinfo=UTC).timestamp()), "points": 30, "note": "生日礼"},
        {"id": "a1", "at": int(datetime(2026, 11, 2, 2, 0, tzinfo=UTC).timestamp()), "points": -10, "note": "兑换"},
    ]
    mock.get(
        f"{BASE_URL}/v1/cards/{CARD}/records",
        json={"code": 0, "msg": "ok", "data": {"total": 2, "items": items}},
        match=[KEY_HEADER, matchers.query_param_matcher({"page": "1", "size": page_size}, strict_match=False)],
    )


def test_an_admin_adds_and_tests_a_connection_of_the_fourth_vendor(admin_client, acme_http):
    listing = admin_client.get(reverse("connections:list")).content.decode()
    create_url = reverse("connections:create", args=["acme"])
    assert f'href="{create_url}"' in listing
    assert "Add Acme Rewards" in listing

    form = admin_client.get(create_url).content.decode()
    assert 'name="credential_api_key"' in form
    assert 'type="password"' in form
    assert f'value="{BASE_URL}"' in form

    posted = {"name": "Acme desk", "base_url": BASE_URL, "timeout_seconds": "10", "enabled": "on"}
    response = admin_client.post(create_url, posted | {"credential_api_key": API_KEY})
    assert response.status_code == 302
    connection = VendorConnection.objects.get(name="Acme desk")
    assert connection.vendor == "acme"
    assert connection.credentials == {"api_key": API_KEY}

    acme_http.get(f"{BASE_URL}/v1/ping", json={"code": 0, "msg": "ok", "data": None}, match=[KEY_HEADER])
    tested = admin_client.post(reverse("connections:test", args=[connection.pk]), HTTP_HX_REQUEST="true")
    html = tested.content.decode()
    assert "API key accepted." in html
    assert API_KEY not in html


def test_the_search_box_hint_names_what_the_fourth_vendor_finds_members_by(support_client, manager_client):
    html = support_client.get(reverse("ledger:member_search")).content.decode()
    assert '<label for="member-search-q">openid, user id, mobile number, member id or card number</label>' in html
    # The top bar's box, on the pages that have it (the lookup page has its own box instead).
    html = manager_client.get(reverse("ledger:rankings")).content.decode()
    assert 'placeholder="openid, user id, mobile number, member id or card number — press / to focus"' in html


def test_a_lookup_asks_the_fourth_vendor_and_shows_its_panel(support_client, acme_http, acme_connection):
    fake_card(acme_http, page_size="5")
    html = support_client.get(reverse("ledger:member_search"), {"q": CARD, "all": "1"}).content.decode()
    assert "Acme desk" in html
    assert "120" in html
    assert "+30" in html
    assert reverse("ledger:member_detail", args=[acme_connection.pk, CARD]) in html


def test_a_lazy_panel_of_the_fourth_vendor(support_client, acme_http, acme_connection):
    fake_card(acme_http, page_size="5")
    url = reverse("ledger:member_panel", args=[acme_connection.pk])
    html = support_client.get(url, {"q": CARD}, HTTP_HX_REQUEST="true").content.decode()
    assert "120" in html
    assert "生日礼" in html


def test_an_identifier_the_fourth_vendor_cannot_take_is_not_sent_and_the_page_says_why(
    support_client, acme_http, acme_connection
):
    html = " ".join(support_client.get(reverse("ledger:member_search"), {"q": "13812345678"}).content.decode().split())
    assert "No enabled connection can look this identifier up." in html
    assert "Acme desk can only search by card number." in html
    assert not acme_http.calls


def test_the_member_page_of_the_fourth_vendor_follows_its_profile(support_client, acme_http, acme_connection):
    fake_card(acme_http, page_size="20")
    response = support_client.get(reverse("ledger:member_detail", args=[acme_connection.pk, CARD]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme Rewards" in html
    balance_card = html.split('class="card balance-card"')[1].split("</section>")[0]
    assert "120" in balance_card
    # Beijing time: 02:00 UTC is 10:00 there.
    assert "2026-11-30 10:00:00" in html
    assert "兑换" in html
    # Its profile offers neither a direction nor a type filter, and pages of at most 50 rows.
    assert 'name="direction"' not in html
    assert 'name="type_code"' not in html
    assert '<option value="50"' in html
    assert '<option value="100"' not in html


def test_a_card_number_the_fourth_vendor_would_not_take_has_no_member_page(support_client, acme_connection):
    assert support_client.get(reverse("ledger:member_detail", args=[acme_connection.pk, "M001"])).status_code == 404
