"""Django's Redis cache, with one connection pool per process and a clear answer when Redis is down.

Vendor calls run on pool threads in copied contexts, and Django keeps cache objects per thread and context:
`SharedConnectionPool` (the `pool_class` option) gives them all one thread-safe pool per server. Django's
RedisCache cannot ignore errors, so `RedisCache` (tokens, locks, rate limits) raises `CacheUnavailable` (a lock
or slot not taken must not be assumed taken), and `SessionRedisCache` treats an error as a miss: sessions are
`cached_db`, and cached_db would fail the page refilling the cache after a read from the database.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.utils.translation import gettext_lazy as _

from vendors.exceptions import VendorUnavailable

logger = logging.getLogger(__name__)


class SharedConnectionPool(redis.ConnectionPool):
    """`OPTIONS["pool_class"]`: the same pool for the same server and options, whoever asks in this process."""

    _pools: ClassVar[dict[str, redis.ConnectionPool]] = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **options: Any) -> redis.ConnectionPool:
        key = repr((url, sorted(options.items())))
        with cls._lock:
            pool = cls._pools.get(key)
            if pool is None:
                pool = cls._pools[key] = super().from_url(url, **options)
        return pool


class CacheUnavailable(VendorUnavailable):
    """The shared cache (Redis) cannot be reached; a VendorUnavailable, as what needs it is a vendor call (its token,
    lock or rate-limit slot), whose panel then degrades like in any vendor outage."""

    default_message = _("Temporarily unavailable, please try again shortly.")
    message_is_ours = True  # not the vendor's fault nor its words: the panel says this sentence as it is


def _unavailable_on_redis_error(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: DjangoRedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except redis.RedisError as error:
            raise CacheUnavailable() from error

    return call


class RedisCache(DjangoRedisCache):
    """Django's RedisCache whose every operation raises CacheUnavailable when Redis cannot be reached."""

    add = _unavailable_on_redis_error(DjangoRedisCache.add)
    get = _unavailable_on_redis_error(DjangoRedisCache.get)
    set = _unavailable_on_redis_error(DjangoRedisCache.set)
    touch = _unavailable_on_redis_error(DjangoRedisCache.touch)
    delete = _unavailable_on_redis_error(DjangoRedisCache.delete)
    get_many = _unavailable_on_redis_error(DjangoRedisCache.get_many)
    has_key = _unavailable_on_redis_error(DjangoRedisCache.has_key)
    incr = _unavailable_on_redis_error(DjangoRedisCache.incr)
    set_many = _unavailable_on_redis_error(DjangoRedisCache.set_many)
    delete_many = _unavailable_on_redis_error(DjangoRedisCache.delete_many)
    clear = _unavailable_on_redis_error(DjangoRedisCache.clear)


def _session_cache_missed(operation: str, error: CacheUnavailable) -> None:
    logger.warning("sessions: Redis unreachable, %s skipped: %s", operation, error.__cause__)


class SessionRedisCache(RedisCache):
    """The session cache: with Redis down, cached_db reads every session from the database and writes only there.
    (A session deleted while Redis was down may come back with Redis; the browser that logged out has no cookie.)"""

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except CacheUnavailable as error:
            _session_cache_missed("read", error)
            return default

    def has_key(self, key: str, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except CacheUnavailable as error:
            _session_cache_missed("read", error)
            return False

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except CacheUnavailable as error:
            _session_cache_missed("write", error)

    def delete(self, key: str, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except CacheUnavailable as error:
            _session_cache_missed("delete", error)
            return False
