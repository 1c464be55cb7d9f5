"""Exports never drift: records arriving while an export reads its pages neither duplicate nor add rows
(issue 14 #4). The period's end is pinned to the moment the export starts; a row seen twice is written once.
Exports are jobs (exports/): the button posts the page's filters, the job runs (huey's immediate mode, after the
request's transaction), and its CSV is downloaded."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from exports.models import ExportJob
from tests.ledger.conftest import KINGDEE_RECORDS_URL, kingdee_token, record, records_reply
from vendors.parsing import SHANGHAI


def _end_dates(mock) -> list[str]:
    return [
        dict(parse_qsl(urlsplit(call.request.url).query)).get("end_date", "")
        for call in mock.calls
        if call.request.url.startswith(KINGDEE_RECORDS_URL)
    ]


@pytest.fixture
def export(client_of_manager, django_capture_on_commit_callbacks):
    """export(url, query): the CSV's data lines of the job the page's export button starts, and the download."""

    def run(url: str, query: dict | None = None) -> tuple[list[str], object]:
        with django_capture_on_commit_callbacks(execute=True):
            client_of_manager.post(url, {"format": "csv"}, QUERY_STRING=urlencode(query or {}))
        job = ExportJob.objects.latest("pk")
        response = client_of_manager.get(reverse("exports:download", args=[job.pk]))
        lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()[1:]
        return [line for line in lines if line], response

    return run


@pytest.fixture
def client_of_manager(manager_client):
    return manager_client


# The days of the shifting ledger's records: an export holds only the rows of the period asked.
MAY_2025 = {"period": "custom", "start": "2025-05-01", "end": "2025-05-31"}


def _shifting_ledger(mock) -> None:
    """Pages of 100 over 150 records, newest first; a record arrives after page 1 is read, so page 2 starts
    with the last row of page 1."""
    rows = [record(id=str(1000 - i), create_time="2025-05-20 14:30:00") for i in range(150)]
    mock.get(KINGDEE_RECORDS_URL, json=records_reply(rows[:100], count=150, page_size=100))
    arrived = record(id="1001", create_time="2025-05-20 14:31:00")
    mock.get(KINGDEE_RECORDS_URL, json=records_reply([arrived, *rows][100:151], count=151, page_size=100, page=2))


def test_a_shop_ledger_export_writes_each_record_once_while_records_arrive(export, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    _shifting_ledger(vendor_http)
    lines, _response = export(reverse("ledger:shop_ledger_export"), MAY_2025)
    assert len(lines) == 150


def test_a_member_export_writes_each_record_once_while_records_arrive(export, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    _shifting_ledger(vendor_http)
    lines, _response = export(reverse("ledger:member_export", args=[kingdee_connection.pk, "M001"]), MAY_2025)
    assert len(lines) == 150


def test_an_export_of_today_ends_when_the_export_started_not_at_midnight(export, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    vendor_http.get(KINGDEE_RECORDS_URL, json=records_reply([record()], page_size=100))
    before = timezone.now().astimezone(SHANGHAI).replace(microsecond=0)
    _lines, response = export(reverse("ledger:member_export", args=[kingdee_connection.pk, "M001"]))
    after = timezone.now().astimezone(SHANGHAI)
    (end_date,) = _end_dates(vendor_http)
    sent = datetime.strptime(end_date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    assert before <= sent <= after
    # The file is still named for the days asked.
    today = timezone.now().astimezone(SHANGHAI).date()
    assert f"-{today:%Y%m%d}.csv" in response["Content-Disposition"]


def test_an_export_of_past_days_keeps_its_end(export, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    vendor_http.get(KINGDEE_RECORDS_URL, json=records_reply([record()], page_size=100))
    last_week = (timezone.now().astimezone(SHANGHAI) - timedelta(days=7)).date()
    url = reverse("ledger:member_export", args=[kingdee_connection.pk, "M001"])
    export(url, {"period": "custom", "start": last_week, "end": last_week})
    assert _end_dates(vendor_http) == [f"{last_week:%Y-%m-%d} 23:59:59"]
