"""Structured request logs: one JSON line per request, vendor calls included, secrets scrubbed."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from django.urls import reverse

from pointsadmin.logging import JsonFormatter, RedactSecretsFilter, record_vendor_call


@pytest.mark.django_db
def test_each_request_logs_one_json_line_with_user_route_status_and_duration(support_client, caplog):
    caplog.set_level(logging.INFO, logger="pointsadmin.request")
    support_client.get(reverse("ledger:member_search"))
    records = [r for r in caplog.records if r.name == "pointsadmin.request"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["user"] == "support"
    assert line["route"] == "members/"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["vendor_calls"] == []


def test_vendor_calls_outside_a_request_are_ignored():
    # No request context: nothing to attach to, and no error.
    record_vendor_call(vendor="xinyue", endpoint="/upbot/api/GetUserClubPoints", outcome="ok", duration_ms=1.0)


@pytest.mark.parametrize(
    "message",
    [
        "GET /token?app_id=a&secret_key=SEKRIT123&grant_type=client_credential",
        '{"access_token": "SEKRIT123", "user_ids": null}',
        "app-token: SEKRIT123",
        "Authorization=SEKRIT123",
        "https://x/kingdee_auth_token?app_key=k&app_signature=SEKRIT123",
    ],
)
def test_the_log_filter_scrubs_credential_looking_values(message):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, message, None, None)
    RedactSecretsFilter().filter(record)
    assert "SEKRIT123" not in record.getMessage()
    assert "[redacted]" in record.getMessage()


def _record_of_a_chained_failure() -> logging.LogRecord:
    try:
        try:
            try:
                raise ConnectionRefusedError("Connection refused")
            except OSError as refused:
                raise RuntimeError("cache down at redis://x/?secret_key=SEKRIT123") from refused
        except RuntimeError:
            raise ValueError("the page failed")  # noqa: B904 - raised while handling, as a failing page is
    except ValueError:
        return logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", None, sys.exc_info()
        )


def test_a_failure_is_one_line_with_one_traceback_and_its_causes():
    line = JsonFormatter().format(_record_of_a_chained_failure())
    assert "\n" not in line
    logged = json.loads(line)
    assert logged["exception"].count("Traceback (most recent call last)") == 1
    assert "During handling of the above exception" not in logged["exception"]
    assert logged["exception"].endswith("ValueError: the page failed")
    assert logged["causes"] == [
        "builtins.RuntimeError: cache down at redis://x/?secret_key=[redacted]",
        "builtins.ConnectionRefusedError: Connection refused",
    ]
