"""How exports stay polite: to the vendor, and to the people waiting on pages.

Every page an export fetches first takes two things, both kept in the shared cache (Redis in production) so that
they hold across every job, consumer and host:

- a slot of its connection (EXPORT_CONNECTION_CONCURRENCY): at most that many export pages of one connection in
  flight at once, however many jobs run;
- where the vendor has a rate limit (Xiaoe: 500 calls per 10 s per app), a call from the exports' own share of it
  (EXPORT_RATE_SHARE, half by default): a second CacheRateLimiter over the same window whose limit is that share.

The vendor's own limiter (vendors/ratelimit.py) still counts every call, the exports' among them. Because exports
can never hold more than their share of the window, the rest is always free for the member, ranking and ledger
pages: a support agent's lookup does not wait behind an export. An export that finds its share used up waits
(for up to 30 s, then its page is retried with backoff); it never takes the interactive part.
"""

from __future__ import annotations

import math
import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

from vendors.ratelimit import CacheRateLimiter, RateLimit

SLOT_POLL_SECONDS = 0.05


class Stopped(Exception):
    """The job was cancelled or lost its lease while a page waited for its turn."""


def export_share(limit: RateLimit) -> RateLimit:
    calls = max(1, math.floor(limit.calls * settings.EXPORT_RATE_SHARE))
    return RateLimit(calls=calls, period_seconds=limit.period_seconds, buckets=limit.buckets, max_wait_seconds=30.0)


class ExportGate:
    def __init__(self, *, connection_id: int, vendor: str, rate_limit: RateLimit | None, rate_scope: str) -> None:
        self.connection_id = connection_id
        self.cap = max(1, settings.EXPORT_CONNECTION_CONCURRENCY)
        # A slot outlives a consumer that died holding it by this long at most.
        self.slot_seconds = max(30, settings.EXPORT_LEASE_SECONDS)
        self.limiter = (
            CacheRateLimiter(scope=f"exports:{rate_scope}", limit=export_share(rate_limit), vendor=vendor)
            if rate_limit is not None
            else None
        )

    def _slot_key(self, index: int) -> str:
        return f"exports:slots:{self.connection_id}:{index}"

    @contextmanager
    def turn(self, stop: threading.Event) -> Iterator[None]:
        """Wait for a slot of the connection and a call of the exports' share, then let one page be fetched."""
        token = uuid.uuid4().hex
        key = self._take_slot(token, stop)
        try:
            if self.limiter is not None:
                self.limiter.acquire()
            yield
        finally:
            if cache.get(key) == token:
                cache.delete(key)

    def _take_slot(self, token: str, stop: threading.Event) -> str:
        order = list(range(self.cap))
        while True:
            random.shuffle(order)  # nosec B311 # spreads jobs over the slots, not cryptography
            for index in order:
                key = self._slot_key(index)
                if cache.add(key, token, timeout=self.slot_seconds):
                    return key
            if stop.wait(SLOT_POLL_SECONDS):
                raise Stopped
