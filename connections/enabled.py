"""The enabled vendor connections, kept per process while none changes.

Every ledger page starts by finding its connections; reading (and decrypting) them from the database each time
cost a query per page for rows that change a few times a year. A save or delete of any connection moves a
shared generation (pointsadmin.generations), so every worker reads them again on its next request; updates
that bypass signals (test results, key rotation) change nothing that is kept here but columns nobody reads
from it, and the age limit bounds anything else.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save

from connections.models import VendorConnection
from pointsadmin.generations import Generation

connections_generation = Generation("connections:generation")
SNAPSHOT_SECONDS = 60


@dataclass(frozen=True)
class _Snapshot:
    generation: str
    expires_at: float
    connections: tuple[VendorConnection, ...]


_snapshot: _Snapshot | None = None
_snapshot_lock = threading.Lock()


def enabled_connections() -> list[VendorConnection]:
    """Every enabled connection in display order (the model's ordering). Each call gets its own copies, so a
    caller that changes one changes nothing for other requests."""
    global _snapshot
    generation = connections_generation.current()
    snapshot = _snapshot
    if snapshot is None or snapshot.generation != generation or snapshot.expires_at <= time.monotonic():
        rows = tuple(VendorConnection.objects.filter(enabled=True))
        snapshot = _Snapshot(generation, time.monotonic() + SNAPSHOT_SECONDS, rows)
        with _snapshot_lock:
            _snapshot = snapshot
    return [copy.copy(connection) for connection in snapshot.connections]


def forget_snapshot() -> None:
    global _snapshot
    with _snapshot_lock:
        _snapshot = None


def _connections_changed(**kwargs: Any) -> None:
    connections_generation.bump_now_and_on_commit(kwargs.get("using"))


def connect_receivers() -> None:
    post_save.connect(_connections_changed, sender=VendorConnection, dispatch_uid="connections-snapshot-save")
    post_delete.connect(_connections_changed, sender=VendorConnection, dispatch_uid="connections-snapshot-delete")
