"""The secret sweep: while the whole suite runs, every response body, every log record and (after
each database test, before its rollback) every row of every table is searched for the credentials
the tests use. Any hit fails the run at the end, naming where the secret showed up.

Registered from tests/conftest.py; the response recorder is a middleware added in tests/settings.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

# The secret values to look for: filled from tests/conftest.py TEST_CREDENTIALS and sandbox demo data.
WATCHED_SECRETS: set[str] = set()
HITS: list[str] = []
STATS = {"responses": 0, "log_records": 0, "database_scans": 0}


def watch(values: Iterable[str]) -> None:
    WATCHED_SECRETS.update(value for value in values if value and len(value) >= 8)


def _check(text: str, where: str) -> None:
    for secret in WATCHED_SECRETS:
        if secret in text:
            HITS.append(f"{where}: contains the secret {secret[:4]}…")


class ResponseRecorderMiddleware:
    """Test-only middleware: searches every response body (streamed ones chunk by chunk)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        STATS["responses"] += 1
        where = f"response to {request.method} {request.path}"
        if isinstance(response, StreamingHttpResponse):
            response.streaming_content = self._scan_stream(response.streaming_content, where)
        else:
            _check(response.content.decode(errors="replace"), where)
            _check(str(dict(response.headers)), where + " (headers)")
        return response

    @staticmethod
    def _scan_stream(chunks: Iterable[bytes], where: str) -> Iterator[bytes]:
        for chunk in chunks:
            _check(chunk.decode(errors="replace") if isinstance(chunk, bytes) else str(chunk), where)
            yield chunk


class LogRecorderHandler(logging.Handler):
    """Searches every log record, formatted, with its traceback."""

    def emit(self, record: logging.LogRecord) -> None:
        STATS["log_records"] += 1
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a broken record must not break the test run
            text = str(record.msg)
        _check(text, f"log record of {record.name}")


def scan_database(where: str) -> None:
    STATS["database_scans"] += 1
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                _check(" ".join(str(value) for value in row), f"{where}: table {table}")


def install_log_handler() -> None:
    handler = LogRecorderHandler(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logging.getLogger().addHandler(handler)


_DATABASE_FIXTURES = ("db", "transactional_db", "django_db_setup")


@pytest.fixture(autouse=True)
def _scan_database_after_test(request: pytest.FixtureRequest) -> Iterator[None]:
    uses_database = request.node.get_closest_marker("django_db") or any(
        name in request.fixturenames for name in _DATABASE_FIXTURES
    )
    if uses_database:
        # Depending on pytest-django's helper makes this teardown run before the test's rollback.
        request.getfixturevalue("_django_db_helper")
    yield
    if uses_database:
        scan_database(request.node.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    summary = (
        f"secret sweep: {len(WATCHED_SECRETS)} secrets searched in {STATS['responses']} responses, "
        f"{STATS['log_records']} log records, {STATS['database_scans']} database scans: {len(HITS)} hits"
    )
    if reporter is not None:
        reporter.write_line(summary)
        for hit in HITS[:50]:
            reporter.write_line(f"  {hit}")
    if HITS:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
