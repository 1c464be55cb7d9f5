"""pointsadmin.postgresql: the health check of a kept connection runs at most once a second, and still replaces
a connection the server dropped once it has been idle longer than that. Runs against the PostgreSQL server of
the test run (PG_TEST_URL, as scripts/run_tests.sh), whichever database the rest of the suite uses."""

from __future__ import annotations

import os

import environ
import psycopg
import pytest
from django.db.utils import ConnectionHandler

from pointsadmin.postgresql import base

PG_TEST_URL = os.environ.get("PG_TEST_URL", "postgres://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def connection(monkeypatch, django_db_blocker):
    settings = environ.Env.db_url_config(PG_TEST_URL)
    settings.update(ENGINE="pointsadmin.postgresql", CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    wrapper = ConnectionHandler({"default": settings})["default"]  # a handler of its own, outside the test run's
    clock = [1000.0]
    monkeypatch.setattr(base.time, "monotonic", lambda: clock[0])
    checks: list[bool] = []
    real_is_usable = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda: checks.append(real_is_usable()) or checks[-1])
    wrapper.clock, wrapper.checks = clock, checks
    with django_db_blocker.unblock():  # our own connection, not the test database
        yield wrapper
        wrapper.close()


def _request(connection) -> int:
    """One request: Django's start-of-request check, then the page's first query. The server's process id."""
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _drop_on_the_server(pid: int) -> None:
    with psycopg.connect(PG_TEST_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_checked_within_the_last_second_is_not_checked_again(connection):
    pid = _request(connection)  # opens the connection: known good
    connection.clock[0] += 0.5
    assert _request(connection) == pid
    assert connection.checks == []
    connection.clock[0] += 1.0  # idle 1.5 s since it was opened: checked, and trusted for another second
    assert _request(connection) == pid
    connection.clock[0] += 0.9
    assert _request(connection) == pid
    assert connection.checks == [True]


def test_a_connection_the_server_dropped_is_replaced_once_idle_for_a_second(connection):
    pid = _request(connection)
    _drop_on_the_server(pid)
    connection.clock[0] += 1.5

    assert _request(connection) != pid  # no error: the check found it dead and a new connection served the page
    assert connection.checks == [False]


def test_within_the_second_a_dropped_connection_fails_one_query_and_is_then_replaced(connection):
    from django.db import OperationalError

    pid = _request(connection)
    _drop_on_the_server(pid)
    connection.clock[0] += 0.2
    with pytest.raises(OperationalError):
        _request(connection)  # the price of skipping the check, as the module says
    assert _request(connection) != pid  # Django's end-of-request check found the error and dropped it
