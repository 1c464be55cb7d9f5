"""Fixtures of the connection tests: faked vendor HTTP and DNS, form data per vendor.

Saving a connection tests it at the vendor, and the test resolves the vendor's host first: so every test
here runs with vendor HTTP faked (nothing leaves the machine) and with DNS answers of our choosing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator

import pytest
import responses

from connections import addresses
from connections.forms import CREDENTIAL_PREFIX
from tests.conftest import TEST_CREDENTIALS
from vendors import http
from vendors.registry import vendor_profile

# A public address no test ever reaches: `responses` answers before any socket is opened.
PUBLIC_ADDRESS = "101.32.118.25"


@pytest.fixture(autouse=True)
def vendor_http() -> Iterator[responses.RequestsMock]:
    """Vendor HTTP faked with `responses`; a registered reply nobody asked for fails the test, and a call
    nobody registered gets a ConnectionError."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch) -> list[float]:
    """Retry pauses of the vendor clients recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(http, "pause", recorded.append)
    return recorded


class FakeDNS(dict[str, list[str]]):
    """Host name → the addresses the resolver answers; names not in it do not resolve."""

    def resolve(self, host: str, port: int) -> list[addresses.IPAddress]:
        self.asked.append(host)
        if host not in self:
            raise addresses.HostNotFound(host)
        return [ipaddress.ip_address(address) for address in self[host]]

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []


@pytest.fixture(autouse=True)
def dns(monkeypatch) -> FakeDNS:
    """The vendors' production hosts and every *.vendor.test host the tests use resolve to a public address."""
    fake = FakeDNS()
    for vendor in TEST_CREDENTIALS:
        fake[vendor_profile(vendor).default_base_url.split("://", 1)[1]] = [PUBLIC_ADDRESS]
        fake[f"{vendor}.vendor.test"] = [PUBLIC_ADDRESS]
    for host in ("gw.vendor.test", "moved.vendor.test", "evil.vendor.test"):
        fake[host] = [PUBLIC_ADDRESS]
    monkeypatch.setattr(addresses, "resolve_host", fake.resolve)
    return fake


def secret_values(vendor: str) -> list[str]:
    secret_names = {spec.name for spec in vendor_profile(vendor).credential_fields if spec.secret}
    return [value for key, value in TEST_CREDENTIALS[vendor].items() if key in secret_names]


def all_secret_values() -> list[str]:
    return [value for vendor in TEST_CREDENTIALS for value in secret_values(vendor)]


@pytest.fixture
def form_data() -> Callable[..., dict[str, str]]:
    """form_data("kingdee", name="x", credential_app_key="") → the POST of a complete, valid form."""

    def build(vendor: str, **overrides: str) -> dict[str, str]:
        data = {
            "name": f"{vendor} shop",
            "base_url": vendor_profile(vendor).default_base_url,
            "timeout_seconds": "10",
            "enabled": "on",
            **{CREDENTIAL_PREFIX + key: value for key, value in TEST_CREDENTIALS[vendor].items()},
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    return build
