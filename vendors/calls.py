"""Calling vendors: one call that never breaks a page, several calls at once."""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.utils import translation

from vendors.exceptions import VendorError
from vendors.results import Outcome

logger = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")


def call_vendor(call: Callable[[], T]) -> Outcome[T]:
    """Run one vendor call; a VendorError becomes an Outcome so that one vendor never breaks a page."""
    try:
        return Outcome(value=call())
    except VendorError as error:
        logger.info("vendor call failed: %s", error)
        return Outcome(error=error)


# One pool per process, kept between requests: vendor sessions are per thread (vendors.http.session_for),
# so long-lived threads keep their keep-alive connections instead of opening new ones on every page.
VENDOR_POOL_THREADS = 32
_pool_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}  # by process id: a forked worker builds its own (threads do not survive)
# Set in the context a pooled call runs in (a copy of its caller's, discarded after the call).
_in_vendor_pool: contextvars.ContextVar[bool] = contextvars.ContextVar("in_vendor_pool", default=False)


def vendor_pool() -> ThreadPoolExecutor:
    with _pool_lock:
        if os.getpid() not in _pools:
            _pools[os.getpid()] = ThreadPoolExecutor(max_workers=VENDOR_POOL_THREADS, thread_name_prefix="vendor")
        return _pools[os.getpid()]


def call_vendors_concurrently(calls: Mapping[K, Callable[[], T]]) -> dict[K, Outcome[T]]:
    """Run independent vendor calls at once, the last in the caller's thread, the others in the shared pool, each
    in a copy of the caller's context (for the request log). From a pooled call they run one after the other:
    pool threads waiting for each other could fill the pool and wait for ever."""
    if not calls:
        return {}
    if _in_vendor_pool.get():
        return {key: call_vendor(call) for key, call in calls.items()}
    *pooled, (_, last_call) = calls.items()
    # Django's active language is per thread: carry the request's into the pool, so that error messages
    # built there are in the user's language.
    language = translation.get_language()

    def run_pooled(call: Callable[[], T]) -> Outcome[T]:
        _in_vendor_pool.set(True)
        with translation.override(language):
            return call_vendor(call)

    pool = vendor_pool() if pooled else None
    futures = {key: pool.submit(contextvars.copy_context().run, run_pooled, call) for key, call in pooled}
    last_outcome = call_vendor(last_call)
    # Every call has its own HTTP timeout (ConnectionConfig.timeout), so these waits are bounded.
    return {key: futures[key].result() if key in futures else last_outcome for key in calls}
