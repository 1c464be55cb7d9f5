"""A generation: one shared cache key whose value changes whenever some rows change.

Each process keeps its own copy of rarely changing rows (users, vendor connections) tagged with the generation
it read them under, and reads them again once the generation moves. The key lives in the shared cache (Redis in
production), so a change made by one worker is seen by every worker and host on their next request.

Within a request (GenerationsMiddleware), a generation is read at most once, and every generation is read in the
same round trip as the user's access entry (pointsadmin.access): each cache round trip costs a page about 0.1 ms
of CPU. A change made during the request is seen by the rest of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.db import transaction

# The generations read during the current request, by key; None outside a request.
_read_in_request: ContextVar[dict[str, Any] | None] = ContextVar("generations_read_in_request", default=None)
_keys: list[str] = []


def generation_keys() -> list[str]:
    """Every generation's cache key, to read along with something else in one get_many."""
    return list(_keys)


def remember_read(found: dict[str, Any]) -> None:
    """Keep the generations of a get_many result (of generation_keys() and more) for the rest of the request."""
    read = _read_in_request.get()
    if read is not None:
        read.update((key, found[key]) for key in _keys if isinstance(found.get(key), str))


class Generation:
    def __init__(self, key: str) -> None:
        self.key = key
        _keys.append(key)

    def current(self, found: dict[str, Any] | None = None) -> str:
        """The generation now; `found` is a get_many result that may hold it already (saves a round trip)."""
        read = _read_in_request.get()
        generation = (found or {}).get(self.key)
        if generation is None and read is not None:
            generation = read.get(self.key)
        if generation is None:
            generation = cache.get(self.key)
        if not isinstance(generation, str):
            # First use, or the cache lost it: start one (add, so that concurrent starters agree).
            cache.add(self.key, uuid.uuid4().hex, timeout=None)
            generation = str(cache.get(self.key))
        if read is not None:
            read[self.key] = generation
        return generation

    def bump(self) -> None:
        generation = uuid.uuid4().hex
        cache.set(self.key, generation, timeout=None)
        read = _read_in_request.get()
        if read is not None:
            read[self.key] = generation

    def bump_now_and_on_commit(self, using: str | None = None) -> None:
        """Called when rows change. Bumped at once, so the change is seen as soon as it is committed; and again
        after the commit, since a request between the two may have read the old rows under the new generation."""
        self.bump()
        if transaction.get_connection(using).in_atomic_block:
            transaction.on_commit(self.bump, using=using)


class GenerationsMiddleware:
    """Scopes generation reads to one request: a thread serving the next request reads them afresh."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        token = _read_in_request.set({})
        try:
            return self.get_response(request)
        finally:
            _read_in_request.reset(token)
