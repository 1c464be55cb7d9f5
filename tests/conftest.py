"""Fixtures shared by the whole suite: users per role, a clean cache, connections per vendor."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client

from connections.models import VendorConnection
from pointsadmin import roles

pytest_plugins = ["tests.secret_sweep"]

PASSWORD = "correct-horse-battery-staple"

# Credentials the tests use; the security sweep looks for each of these everywhere afterwards.
TEST_CREDENTIALS: dict[str, dict[str, str]] = {
    "xinyue": {"appid": "xy-app-1001", "app_secret": "xy-secret-7f3a9c1e5b2d4f60"},
    "xiaoe": {"app_id": "app_xe_2002", "client_id": "xop_client_2002", "secret_key": "xe-secret-1c9e7a5b3d2f4e68"},
    "kingdee": {
        "client_id": "205022",
        "client_secret": "kd-client-secret-9b8a7c6d5e4f3a21",
        "app_key": "bVZgAZOv1",
        "app_secret": "kd-app-secret-4e5f6a7b8c9d0e1f",
        "domain": "https://tf.jdy.com",
    },
}


def _secret_values() -> list[str]:
    from vendors.registry import vendor_profile

    values = []
    for vendor, credentials in TEST_CREDENTIALS.items():
        secret_names = {field.name for field in vendor_profile(vendor).credential_fields if field.secret}
        values += [value for name, value in credentials.items() if name in secret_names]
    try:
        from sandbox.demo import DEMO_CONNECTIONS
    except ImportError:
        return values
    for demo in DEMO_CONNECTIONS:
        secret_names = {field.name for field in vendor_profile(demo["vendor"]).credential_fields if field.secret}
        values += [value for name, value in demo["credentials"].items() if name in secret_names]
    return values


def pytest_configure(config: pytest.Config) -> None:
    from tests import secret_sweep

    secret_sweep.watch(_secret_values())
    secret_sweep.install_log_handler()


def _clear_cache() -> None:
    # Delete only our own prefix: a shared Redis may hold other workers' keys.
    backend = cache._cache if hasattr(cache, "_cache") else None
    client = getattr(backend, "get_client", None)
    if client is None:
        cache.clear()
        return
    redis_client = backend.get_client(write=True)
    prefix = cache.make_key("")
    for key in redis_client.scan_iter(match=f"{prefix}*"):
        redis_client.delete(key)


@pytest.fixture(autouse=True)
def clean_cache() -> Iterator[None]:
    _clear_cache()
    yield
    _clear_cache()


def _make_user(username: str, role: str | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    roles.ensure_roles()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def support_user(db) -> User:
    return _make_user("support", roles.SUPPORT)


@pytest.fixture
def manager_user(db) -> User:
    return _make_user("manager", roles.MANAGER)


@pytest.fixture
def admin_user(db) -> User:
    return _make_user("admin", roles.ADMIN)


@pytest.fixture
def nobody_user(db) -> User:
    """Logged in, but in no role."""
    return _make_user("nobody", None)


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def support_client(support_user) -> Client:
    return _logged_in(support_user)


@pytest.fixture
def manager_client(manager_user) -> Client:
    return _logged_in(manager_user)


@pytest.fixture
def admin_client(admin_user) -> Client:
    return _logged_in(admin_user)


@pytest.fixture
def make_connection(db) -> Callable[..., VendorConnection]:
    """make_connection("kingdee", base_url=..., name=...) with the TEST_CREDENTIALS of that vendor."""

    def make(vendor: str, **fields: object) -> VendorConnection:
        from vendors.registry import vendor_profile

        defaults: dict[str, object] = {
            "name": f"{vendor}-test",
            "base_url": vendor_profile(vendor).default_base_url,
            "credentials": dict(TEST_CREDENTIALS[vendor]),
        }
        defaults.update(fields)
        return VendorConnection.objects.create(vendor=vendor, **defaults)

    return make
