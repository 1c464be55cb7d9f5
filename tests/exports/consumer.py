"""A real huey consumer (`manage.py run_huey`) for end-to-end tests: a process of its own, on the test database and
the test run's queue (SQLite file or Redis, as the settings choose), killed or stopped by the test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

PROJECT = Path(__file__).resolve().parents[2]


def consumer_database_url() -> str:
    """The URL of the database this test process uses (pytest-django's test database, not the configured one)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}/{settings['NAME']}"


class Consumer:
    def __init__(self, log: Path, **environment: str) -> None:
        self.log = log
        self.environment = environment
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": str(PROJECT),
            "DATABASE_URL": consumer_database_url(),
            "HUEY_IMMEDIATE": "false",
            **self.environment,
        }
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, str(PROJECT / "manage.py"), "run_huey", "--workers", "2", "--worker-type", "thread"],
                cwd=PROJECT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no signal handler, no clean-up, the task lost from the queue (as when a host dies)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # huey's graceful stop
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def running_consumer(log: Path, **environment: str) -> Iterator[Consumer]:
    consumer = Consumer(log, **environment)
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop()


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, consumer: Consumer | None = None) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if consumer is not None and consumer.process is not None and consumer.process.poll() is not None:
            raise AssertionError(f"the consumer exited while waiting for {what}:\n{consumer.output()[-4000:]}")
        time.sleep(0.1)
    tail = consumer.output()[-4000:] if consumer is not None else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")
