"""Django's Redis cache, with one client (and so one connection pool) per process and server.

Django keeps cache objects in an asgiref Local, which lives in the context: every vendor call that runs in a
copied context (ledger.services.connections) got a fresh RedisCache, a fresh pool and a new TCP connection
(connect, HELLO, SELECT) before its first command. Sharing the client keeps connections warm; redis-py's pool
is thread-safe and rebuilds itself in a forked child.

Django also builds a new redis.Redis object for every command, and each one copies redis-py's table of ~170
response callbacks; the client below keeps one redis.Redis per pool instead (it is thread-safe: every command
checks a connection out of the pool).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[str, RedisCacheClient] = {}
_clients_lock = threading.Lock()


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_by_pool: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._redis_by_pool.get(id(pool))
        if client is None:
            client = self._redis_by_pool.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._client_key = repr((self._servers, sorted(self._options.items())))

    @property
    def _cache(self) -> Any:
        client = _clients.get(self._client_key)
        if client is None:
            with _clients_lock:
                client = _clients.setdefault(self._client_key, self._class(self._servers, **self._options))
        return client
