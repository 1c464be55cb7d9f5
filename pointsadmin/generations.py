"""A generation: one shared cache key whose value changes whenever some rows change.

Each process keeps its own copy of rarely changing rows (users, vendor connections) tagged with the generation
it read them under, and reads them again once the generation moves. The key lives in the shared cache (Redis in
production), so a change made by one worker is seen by every worker and host on their next request.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction


class Generation:
    def __init__(self, key: str) -> None:
        self.key = key

    def current(self, found: dict[str, Any] | None = None) -> str:
        """The generation now; `found` is a get_many result that may hold it already (saves a round trip)."""
        generation = (found or {}).get(self.key)
        if generation is None:
            generation = cache.get(self.key)
        if isinstance(generation, str):
            return generation
        # First use, or the cache lost it: start one (add, so that concurrent starters agree).
        cache.add(self.key, uuid.uuid4().hex, timeout=None)
        return str(cache.get(self.key))

    def bump(self) -> None:
        cache.set(self.key, uuid.uuid4().hex, timeout=None)

    def bump_now_and_on_commit(self, using: str | None = None) -> None:
        """Called when rows change. Bumped at once, so the change is seen as soon as it is committed; and again
        after the commit, since a request between the two may have read the old rows under the new generation."""
        self.bump()
        if transaction.get_connection(using).in_atomic_block:
            transaction.on_commit(self.bump, using=using)
