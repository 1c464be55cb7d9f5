"""Turning a saved connection into a vendor client, and finding the enabled connections that can do something."""

from __future__ import annotations

from connections.addresses import guard_calls
from connections.models import VendorConnection
from vendors.base import VendorClient
from vendors.registry import client_class
from vendors.results import Capability


def enabled_connections() -> list[VendorConnection]:
    """Every enabled connection in display order: read on each request, so a change shows on the next one."""
    return list(VendorConnection.objects.filter(enabled=True))


def connection_client(connection: VendorConnection) -> VendorClient:
    # guard_calls: every request the client sends reaches only an address connections/addresses.py allows.
    return guard_calls(client_class(connection.vendor)(connection.to_config()))


def connection_capabilities(connection: VendorConnection) -> frozenset[Capability]:
    try:
        return client_class(connection.vendor).capabilities
    except LookupError:
        return frozenset()


def connections_with(capability: Capability) -> list[VendorConnection]:
    """Enabled connections whose vendor offers `capability`, in display order."""
    return [connection for connection in enabled_connections() if capability in connection_capabilities(connection)]


def enabled_connection(pk: int, capability: Capability | None = None) -> VendorConnection | None:
    """The enabled connection `pk` (offering `capability`), or None: views turn None into a message or 404."""
    connection = VendorConnection.objects.filter(enabled=True, pk=pk).first()
    if connection is None:
        return None
    if capability is not None and capability not in connection_capabilities(connection):
        return None
    return connection
