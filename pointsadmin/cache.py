"""Django's Redis cache, with one connection pool per process and a clear answer when Redis is down."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.utils.translation import gettext_lazy as _

from vendors.exceptions import VendorUnavailable

logger = logging.getLogger(__name__)


class SharedConnectionPool(redis.ConnectionPool):
    """`OPTIONS["pool_class"]`: one pool per server and options in this process, as Django keeps a cache object per
    thread and context, and vendor calls run on pool threads in copied contexts."""

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
    """What needs the cache is a vendor call (its token, lock or rate-limit slot): its panel degrades as in any
    vendor outage."""

    default_message = _("Temporarily unavailable, please try again shortly.")
    message_is_ours = True  # not the vendor's fault nor its words: the panel says this sentence as it is


def _raise_unavailable(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: DjangoRedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except redis.RedisError as error:
            raise CacheUnavailable() from error

    return call


class RedisCache(DjangoRedisCache):
    """Every operation raises CacheUnavailable when Redis cannot be reached: a lock or rate-limit slot that Redis
    could not give must not be assumed taken."""


for _name in "add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear":
    setattr(RedisCache, _name, _raise_unavailable(getattr(DjangoRedisCache, _name)))


def _skip_while_unavailable(method: Callable[..., Any], operation: str, missed: Any = None) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except CacheUnavailable as error:
            logger.warning("sessions: Redis unreachable, %s skipped: %s", operation, error.__cause__)
            return missed

    return call


class SessionRedisCache(RedisCache):
    """The cache of cached_db sessions: with Redis down, every session is read from the database and written only
    there. (A session deleted while Redis was down may come back with Redis; the browser that logged out has no
    cookie.)"""

    get = _skip_while_unavailable(RedisCache.get, "read")  # cached_db reads without a default
    has_key = _skip_while_unavailable(RedisCache.has_key, "read", missed=False)
    set = _skip_while_unavailable(RedisCache.set, "write")
    delete = _skip_while_unavailable(RedisCache.delete, "delete", missed=False)
