"""The Redis cache backend keeps one client per process and server: vendor calls run in copied contexts on
pool threads, and each used to open a Redis connection of its own before its first command."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import caches
from django.test import override_settings

from pointsadmin import cache as cache_module
from tests.vendors.conftest import REDIS_URL

CACHES = {
    "default": {
        "BACKEND": "pointsadmin.cache.SharedPoolRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "pointsadmin-test-cache",
    }
}


def test_calls_from_many_contexts_and_threads_share_a_few_redis_connections(monkeypatch):
    # A fresh registry, so the count below is this test's own: in the PostgreSQL + Redis run the default
    # cache shares this server's pool, and earlier tests with 50 threads have already filled it.
    monkeypatch.setattr(cache_module, "_clients", {})
    with override_settings(CACHES=CACHES):

        def read() -> object:
            cache = caches["default"]
            cache.get("anything")
            return cache._cache.get_client()

        with ThreadPoolExecutor(max_workers=4) as pool:
            clients = list(pool.map(lambda _: contextvars.copy_context().run(read), range(200)))
        assert len({id(client) for client in clients}) == 1
        pool_of_connections = clients[0].connection_pool
        # At most one connection per thread that used it at the same time, not one per call.
        assert pool_of_connections._created_connections <= 5
