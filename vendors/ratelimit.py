"""A client-side rate limit per vendor app, shared by every worker process and host through Django's cache.

Counters are kept per time bucket (a tenth of the period) with cache.add + cache.incr, atomic on Redis and
locmem. A call takes a slot, sums the window's buckets, and over the limit gives the slot back and waits, for
a bounded time, then raises VendorRateLimited. `buckets + 2` buckets are summed: the vendor counts any window
of `period` seconds, which can straddle `buckets + 1` buckets, and one more is a margin for hosts' clocks.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from dataclasses import dataclass

from django.core.cache import cache

from vendors.exceptions import VendorRateLimited


@dataclass(frozen=True)
class RateLimit:
    """At most `calls` calls in any `period_seconds`, e.g. Xiaoe's 500 per 10 s (VENDORS.md §2)."""

    calls: int
    period_seconds: float
    buckets: int = 10
    # How long a call may wait for a free slot before the panel says "rate limited".
    max_wait_seconds: float = 5.0


class CacheRateLimiter:
    """Takes one slot of `limit` for `scope` (one vendor app) before every HTTP call to that app."""

    KEY_PREFIX = "vendors:rate"

    def __init__(self, *, scope: str, limit: RateLimit, vendor: str) -> None:
        self.scope = scope
        self.limit = limit
        self.vendor = vendor
        self._width = limit.period_seconds / limit.buckets
        self._span = limit.buckets + 2  # see the module docstring
        # Counters outlive the window they are summed in, and then expire on their own.
        self._ttl = math.ceil(self._span * self._width) + 1

    def acquire(self) -> None:
        width = self._width
        deadline = time.monotonic() + self.limit.max_wait_seconds
        while True:
            now = time.time()
            index = math.floor(now / width)
            key = f"{self.KEY_PREFIX}:{self.scope}:{index}"
            cache.add(key, 0, timeout=self._ttl)
            try:
                cache.incr(key)
            except ValueError:
                continue  # the counter expired between add and incr (a stall of a whole TTL): start over
            window = [f"{self.KEY_PREFIX}:{self.scope}:{i}" for i in range(index - self._span + 1, index + 1)]
            used = sum(int(count) for count in cache.get_many(window).values())
            if used <= self.limit.calls:
                return
            with contextlib.suppress(ValueError):  # an expired counter has nothing to give back
                cache.decr(key)  # give the slot back: this call is not made now
            # The oldest bucket leaves the window at the next boundary; a little jitter spreads the waiters.
            wait = (index + 1) * width - now + random.uniform(0, width / 4)  # noqa: S311  # nosec B311 # jitter, not cryptography
            if time.monotonic() + wait > deadline:
                raise VendorRateLimited(vendor=self.vendor)
            time.sleep(wait)
