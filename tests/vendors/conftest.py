"""Fixtures of the vendor client tests: faked vendor HTTP, connection configs, recorded pauses and vendor
calls, and the shared cache on local memory or on the real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
import responses
from django.conf import settings
from django.test import override_settings

from pointsadmin.logging import VendorCallRecord, current_vendor_calls
from tests.conftest import TEST_CREDENTIALS
from vendors import http
from vendors.results import ConnectionConfig

# Hosts under .test never resolve: should a fake ever be missing, nothing leaves the machine.
BASE_URLS = {
    "xinyue": "https://xinyue.vendor.test",
    "xiaoe": "https://xiaoe.vendor.test",
    "kingdee": "https://kingdee.vendor.test",
}
REDIS_URL = os.environ.get("VENDOR_TESTS_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture
def vendor_http() -> Iterator[responses.RequestsMock]:
    """Vendor HTTP faked with `responses`; a registered reply nobody asked for fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def make_config() -> Callable[..., ConnectionConfig]:
    """make_config("kingdee", id=7, credentials={...}) with the suite's TEST_CREDENTIALS by default."""

    def make(vendor: str, **overrides: Any) -> ConnectionConfig:
        fields: dict[str, Any] = {
            "id": 1,
            "vendor": vendor,
            "base_url": BASE_URLS[vendor],
            "credentials": dict(TEST_CREDENTIALS[vendor]),
            "timeout": 5.0,
        }
        fields.update(overrides)
        return ConnectionConfig(**fields)

    return make


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses between retries, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(http, "pause", recorded.append)
    return recorded


@pytest.fixture
def vendor_calls() -> Iterator[list[VendorCallRecord]]:
    """What record_vendor_call received, as the request log middleware would see it."""
    calls: list[VendorCallRecord] = []
    token = current_vendor_calls.set(calls)
    yield calls
    current_vendor_calls.reset(token)


def _delete_prefixed(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture
def redis_cache_settings() -> Iterator[dict[str, Any]]:
    """CACHES for the real Redis under a key prefix of this test alone, deleted afterwards."""
    prefix = f"{settings.CACHES['default'].get('KEY_PREFIX', 'pointsadmin')}-vendors-{uuid.uuid4().hex[:8]}"
    caches = {
        "default": {
            "BACKEND": "pointsadmin.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield caches
    _delete_prefixed(REDIS_URL, prefix)


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs a test once on the local-memory cache and once on Redis (always there, here and in CI)."""
    if request.param == "locmem":
        caches = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"vendors-{uuid.uuid4().hex}",
            }
        }
    else:
        caches = request.getfixturevalue("redis_cache_settings")
    with override_settings(CACHES=caches):
        yield request.param
