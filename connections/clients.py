"""Turning a saved connection into a vendor client, and finding the enabled connections that can do something."""

from __future__ import annotations

from connections.addresses import guard_calls
from connections.models import VendorConnection
from vendors.base import VendorClient, VendorProfile
from vendors.registry import client_class
from vendors.results import Capability


def enabled_connections() -> list[VendorConnection]:
    """Every enabled connection in display order: read on each request, so a change shows on the next one."""
    return list(VendorConnection.objects.filter(enabled=True))


def connection_profile(connection: VendorConnection) -> VendorProfile | None:
    return connection.profile


def connection_client(connection: VendorConnection) -> VendorClient:
    # guard_calls: every request the client sends reaches only an address connections/addresses.py allows.
    return guard_calls(client_class(connection.vendor)(connection.to_config()))


def connections_with(capability: Capability) -> list[VendorConnection]:
    """Enabled connections whose vendor offers `capability`, in display order."""
    return [
        connection
        for connection in enabled_connections()
        if (profile := connection_profile(connection)) is not None and profile.supports(capability)
    ]


def enabled_connection(pk: int) -> VendorConnection | None:
    """The enabled connection `pk`, or None: views turn None into a message or a 404."""
    return VendorConnection.objects.filter(enabled=True, pk=pk).first()
