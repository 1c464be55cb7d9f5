"""Resolving vendor connections to clients, and calling several vendors at once."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.utils import translation

from connections.models import VendorConnection
from ledger.vendors.base import VendorClient
from ledger.vendors.exceptions import VendorError
from ledger.vendors.registry import client_class
from ledger.vendors.results import Capability

logger = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")


def connection_client(connection: VendorConnection) -> VendorClient:
    return client_class(connection.vendor)(connection.to_config())


def connection_capabilities(connection: VendorConnection) -> frozenset[Capability]:
    try:
        return client_class(connection.vendor).capabilities
    except LookupError:
        return frozenset()


def connections_with(capability: Capability) -> list[VendorConnection]:
    """Enabled connections whose vendor offers `capability`, in display order."""
    return [
        connection
        for connection in VendorConnection.objects.filter(enabled=True)
        if capability in connection_capabilities(connection)
    ]


def enabled_connection(pk: int, capability: Capability | None = None) -> VendorConnection | None:
    """The enabled connection `pk` (offering `capability`), or None: views turn None into a message or 404."""
    connection = VendorConnection.objects.filter(pk=pk, enabled=True).first()
    if connection is None:
        return None
    if capability is not None and capability not in connection_capabilities(connection):
        return None
    return connection


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one vendor call gave: a value, or the VendorError that explains why not."""

    value: T | None = None
    error: VendorError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def call_vendor(call: Callable[[], T]) -> Outcome[T]:
    """Run one vendor call; a VendorError becomes an Outcome so that one vendor never breaks a page."""
    try:
        return Outcome(value=call())
    except VendorError as error:
        logger.info("vendor call failed: %s", error)
        return Outcome(error=error)


def call_vendors_concurrently(calls: Mapping[K, Callable[[], T]], *, max_workers: int = 8) -> dict[K, Outcome[T]]:
    """Run independent vendor calls in threads: wall time ≈ the slowest call, not the sum.

    Each thread runs in a copy of the caller's context, so the request log still sees its vendor calls.
    """
    if not calls:
        return {}
    if len(calls) == 1:
        ((key, call),) = calls.items()
        return {key: call_vendor(call)}
    # Django's active language is per thread: carry the request's into the workers, so that error
    # messages built there are in the user's language.
    language = translation.get_language()

    def in_request_language(call: Callable[[], T]) -> Outcome[T]:
        with translation.override(language):
            return call_vendor(call)

    with ThreadPoolExecutor(max_workers=min(max_workers, len(calls)), thread_name_prefix="vendor") as pool:
        futures = {
            key: pool.submit(contextvars.copy_context().run, in_request_language, call) for key, call in calls.items()
        }
        return {key: future.result() for key, future in futures.items()}
