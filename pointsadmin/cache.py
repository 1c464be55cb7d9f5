"""Django's Redis cache, with one connection pool per process and a clear answer when Redis is down.

One pool: Django keeps its cache objects per thread and context, and vendor calls run on pool threads in
copied contexts (ledger.services.connections), so each of them built a new pool and opened a new Redis
connection before its first command. `SharedConnectionPool` (Django's documented `pool_class` option) hands
every cache object of the process the same pool for the same server; redis-py's pool is thread-safe and
starts afresh in a forked worker.

Redis down: Django's RedisCache has no option to ignore errors (django-redis's IGNORE_EXCEPTIONS is not
available with it), so two thin subclasses decide what an error means:
- `RedisCache` (the default cache: vendor tokens, their locks, rate limits) raises `CacheUnavailable`. A
  token lock or a rate-limit slot that cannot be taken must not be assumed taken, so the vendor call is not
  made and its panel says "try again shortly".
- `SessionRedisCache` (sessions only, SESSION_CACHE_ALIAS) treats an error as a miss, in one log line:
  sessions are `cached_db`, so the database has every session and the page goes on from there. Django's
  cached_db catches errors only where it writes the session; a read falls through to the database and then
  refills the cache, which would fail the page.
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
    """The shared cache (Redis) cannot be reached.

    A VendorUnavailable because what needs the shared cache is a vendor call (its token, its lock, its rate-limit
    slot): raised there, it degrades that vendor's panel like any vendor outage. Anywhere else it is a server
    error, as Redis being down is.
    """

    default_message = _("Temporarily unavailable, please try again shortly.")
    message_is_ours = True  # not the vendor's fault nor its words: the panel says this sentence as it is

    def reader_message(self, vendor_name: object) -> str:
        return str(self.message)


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

    A session deleted (a logout) while Redis was unreachable stays in Redis until it expires; should Redis come
    back with it (a network split, a restart from its dump file), that session would be valid again. The browser
    that logged out no longer has its cookie.
    """

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
