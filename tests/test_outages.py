"""Redis down: pages that need no vendor token keep working from the database, a vendor panel says to try again
shortly, /healthz names the cache, and the log says so in a line, not a traceback.

Each test runs on a Redis server of its own (tests/throwaway_servers.py), stopped and started by the test.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import responses
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.throwaway_servers import ThrowawayRedis

pytestmark = pytest.mark.django_db

SEARCH = reverse("ledger:member_search")
AUDIT_LOG = reverse("audit_log")
CONNECTIONS = reverse("connections:list")
TRY_AGAIN_SHORTLY = "暂时无法使用，请稍后"  # noqa: RUF001 - the panel's words, full-width comma and all


@pytest.fixture(scope="module")
def redis_server() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_redis(redis_server: ThrowawayRedis, settings) -> Iterator[ThrowawayRedis]:
    """The project's cache settings (pointsadmin/settings.py) on this test's Redis, started."""
    redis_server.start()
    options = {"pool_class": "pointsadmin.cache.SharedConnectionPool"}
    prefix = f"outage-{uuid.uuid4().hex[:8]}"
    shared = {"LOCATION": redis_server.url, "KEY_PREFIX": prefix, "OPTIONS": options}
    with override_settings(
        CACHES={
            "default": {"BACKEND": "pointsadmin.cache.RedisCache", **shared},
            "sessions": {"BACKEND": "pointsadmin.cache.SessionRedisCache", **shared},
        }
    ):
        yield redis_server
    redis_server.start()


def _logged_in(username: str, **headers: str) -> Client:
    client = Client(**headers)
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client


def test_a_logged_in_user_keeps_working_from_the_database_while_redis_is_down(own_redis, admin_user):
    client = _logged_in("admin")
    assert client.get(AUDIT_LOG).status_code == 200
    own_redis.stop()
    for page in (AUDIT_LOG, CONNECTIONS, SEARCH):
        response = client.get(page)
        assert response.status_code == 200, page
        assert "admin" in response.content.decode()  # still logged in: the user menu
    own_redis.start()  # an empty Redis: the session comes from the database and is cached again
    assert client.get(AUDIT_LOG).status_code == 200


def test_logging_in_and_out_works_while_redis_is_down(own_redis, support_user):
    own_redis.stop()
    client = _logged_in("support")
    assert client.get(SEARCH).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    response = client.get(SEARCH)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_vendor_panel_says_to_try_again_shortly_while_redis_is_down(own_redis, support_user, make_connection):
    kingdee = make_connection("kingdee", base_url="https://kingdee.vendor.test", name="精斗云 门店")
    client = _logged_in("support", HTTP_ACCEPT_LANGUAGE="zh-hans")
    own_redis.stop()
    # No vendor call goes out: its token and its rate-limit slot live in the cache.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as vendor_http:
        panel = client.get(reverse("ledger:member_panel", args=[kingdee.pk]), {"q": "M001"}, HTTP_HX_REQUEST="true")
        page = client.get(SEARCH, {"q": "M001", "all": "1"})  # the page that renders its panels itself
    assert len(vendor_http.calls) == 0
    assert panel.status_code == 200
    assert TRY_AGAIN_SHORTLY in panel.content.decode()
    assert page.status_code == 200
    html = page.content.decode()
    assert TRY_AGAIN_SHORTLY in html
    assert 'class="topbar"' in html  # the rest of the page is there


def test_healthz_names_the_cache_while_redis_is_down(own_redis, client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}
    own_redis.stop()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error"}
    own_redis.start()
    assert client.get("/healthz").status_code == 200


def test_redis_down_logs_lines_without_tracebacks(own_redis, admin_user, caplog):
    client = _logged_in("admin")
    own_redis.stop()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert client.get(AUDIT_LOG).status_code == 200
        assert client.get("/healthz").status_code == 503
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert warnings, "the outage is not logged at all"
    assert all(record.exc_info is None for record in warnings)
    assert all("\n" not in record.getMessage() for record in warnings)
    assert any("sessions: Redis unreachable" in record.getMessage() for record in warnings)
    assert any("healthz: cache check failed" in record.getMessage() for record in warnings)


def test_cache_calls_from_many_threads_and_contexts_share_a_few_redis_connections(own_redis):
    # Vendor calls run on pool threads, each in a copy of the request's context, where Django builds a new
    # cache object: without one shared pool, every call opened a Redis connection of its own.
    server = redis.Redis(port=own_redis.port)
    before = server.info("stats")["total_connections_received"]

    def read() -> None:
        caches["default"].get("anything")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: contextvars.copy_context().run(read), range(200)))
    opened = server.info("stats")["total_connections_received"] - before
    assert opened <= 4
