"""Fixtures of the connection tests: faked vendor HTTP and form data per vendor."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import responses

from connections.forms import CREDENTIAL_PREFIX
from tests.conftest import TEST_CREDENTIALS
from vendors.registry import vendor_profile


@pytest.fixture
def vendor_http() -> Iterator[responses.RequestsMock]:
    """Vendor HTTP faked with `responses`; a registered reply nobody asked for fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


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
