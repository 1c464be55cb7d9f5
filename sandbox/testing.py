"""Running the sandbox inside a test process: `with running_sandbox() as sandbox: sandbox.base_url`.

The server runs in a background thread on a free loopback port; knobs and counters go through its
own HTTP control endpoints, exactly as a benchmark in another process would use them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from sandbox.core import SandboxState
from sandbox.server import SandboxServer, new_state

_shared_state: SandboxState | None = None


@dataclass
class SandboxHandle:
    base_url: str
    state: SandboxState

    def set_knobs(self, vendor: str, **knobs: Any) -> None:
        """E.g. set_knobs("xiaoe", latency_ms=200, fault="http_500"); fault=None clears it."""
        response = requests.post(f"{self.base_url}/_sandbox/config", json={vendor: knobs}, timeout=5)
        response.raise_for_status()

    def counters(self) -> dict[str, int]:
        return requests.get(f"{self.base_url}/_sandbox/counters", timeout=5).json()

    def reset(self) -> None:
        requests.post(f"{self.base_url}/_sandbox/reset", timeout=5).raise_for_status()

    def revoke_tokens(self, vendor: str) -> None:
        """Every current token of `vendor` dies at once (a mass revocation)."""
        requests.post(f"{self.base_url}/_sandbox/revoke_tokens", json={"vendor": vendor}, timeout=5).raise_for_status()


@contextmanager
def running_sandbox(host: str = "127.0.0.1") -> Iterator[SandboxHandle]:
    # Building the demo data takes a moment: one state is shared by every sandbox of the process.
    global _shared_state
    if _shared_state is None:
        _shared_state = new_state()
    server = SandboxServer((host, 0), _shared_state)
    thread = threading.Thread(target=server.serve_forever, name="vendor-sandbox", daemon=True)
    thread.start()
    handle = SandboxHandle(f"http://{host}:{server.server_address[1]}", _shared_state)
    try:
        handle.reset()
        yield handle
    finally:
        server.shutdown()
        server.server_close()
