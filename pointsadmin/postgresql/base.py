"""Django's PostgreSQL backend, with the connection health check run at most once a second per connection.

CONN_HEALTH_CHECKS makes Django send `SELECT 1` before the first query of every request on a kept connection,
so that a connection the server dropped (a restart, an idle timeout) is replaced instead of failing the page.
On a page whose one query is the audit INSERT that check cost more CPU than the INSERT (about 3.5 % of a member
page under load) and a round trip. A connection checked, or opened, within the last second is trusted, as
connection pools do (HikariCP trusts one used within the last 500 ms); one idle for longer is checked as before.
What is given up: for up to a second after the server goes away, a page may fail on a connection it dropped.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    checked_at: float | None = None  # when this connection last proved alive (opened, or answered the check)

    def connect(self) -> None:
        super().connect()
        self.checked_at = time.monotonic()

    def close(self) -> None:
        self.checked_at = None
        super().close()

    def close_if_health_check_failed(self) -> None:
        recently = self.checked_at is not None and time.monotonic() - self.checked_at < HEALTH_CHECK_SECONDS
        if self.connection is not None and self.health_check_enabled and not self.pool and recently:
            self.health_check_done = True
            return
        was_done = self.health_check_done
        super().close_if_health_check_failed()
        if self.connection is not None and self.health_check_done and not was_done:
            self.checked_at = time.monotonic()
