"""What the runner's parts promise: exports take only their share of a vendor's rate limit and a bounded number of a
connection's slots, an Excel file starts a new sheet before Excel's row limit, and jobs whose consumer died are
queued again."""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import openpyxl
from django.utils import timezone

from exports import services
from exports.models import ExportJob, ExportStatus
from exports.rows import RANKING_COLUMNS
from exports.throttle import ExportGate
from exports.writers import write_xlsx
from tests.ledger.conftest import kingdee_records, kingdee_token, record, records_reply
from vendors.ratelimit import CacheRateLimiter, RateLimit

XIAOE_LIKE = RateLimit(calls=10, period_seconds=1)


def test_exports_never_take_the_interactive_part_of_a_rate_limit(settings):
    settings.EXPORT_RATE_SHARE = 0.5
    gate = ExportGate(connection_id=1, vendor="xiaoe", rate_limit=XIAOE_LIKE, rate_scope="xiaoe:app_1")
    vendor = CacheRateLimiter(scope="xiaoe:app_1", limit=XIAOE_LIKE, vendor="xiaoe")
    stop = threading.Event()
    for _ in range(5):
        with gate.turn(stop):
            vendor.acquire()  # the export's call itself, counted by the vendor's own limiter as every call is
    sixth_started = threading.Event()
    sixth_done = threading.Event()

    def sixth_export_page() -> None:
        sixth_started.set()
        with gate.turn(stop):
            sixth_done.set()

    thread = threading.Thread(target=sixth_export_page)
    thread.start()
    sixth_started.wait()
    started = time.monotonic()
    for _ in range(5):
        vendor.acquire()  # a support agent's lookups: no waiting
    interactive_seconds = time.monotonic() - started
    assert interactive_seconds < 0.2
    assert not sixth_done.is_set(), "the sixth export page took more than the exports' share"
    thread.join(timeout=10)
    assert sixth_done.is_set()


def test_a_connection_gives_exports_at_most_its_slots_across_jobs(settings):
    settings.EXPORT_CONNECTION_CONCURRENCY = 2
    first_job = ExportGate(connection_id=7, vendor="kingdee", rate_limit=None, rate_scope="kingdee:7")
    second_job = ExportGate(connection_id=7, vendor="kingdee", rate_limit=None, rate_scope="kingdee:7")
    stop = threading.Event()
    release = threading.Event()
    third_in = threading.Event()

    def hold(gate: ExportGate) -> None:
        with gate.turn(stop):
            release.wait(5)

    holders = [threading.Thread(target=hold, args=(gate,)) for gate in (first_job, second_job)]
    for holder in holders:
        holder.start()
    time.sleep(0.2)

    def third() -> None:
        with second_job.turn(stop):
            third_in.set()

    waiting = threading.Thread(target=third)
    waiting.start()
    assert not third_in.wait(0.3), "a third page of the connection ran while two were in flight"
    release.set()
    assert third_in.wait(5)
    for thread in (*holders, waiting):
        thread.join(5)


def test_an_excel_file_starts_a_new_sheet_before_the_row_limit(tmp_path):
    rows = [[None, f"u{i}", None, None, str(1000 - i), str(900 - i), "0", None] for i in range(25)]
    path = tmp_path / "ranking.xlsx"
    write_xlsx(
        path,
        columns=RANKING_COLUMNS,
        rows=lambda: iter(rows),
        zone=ZoneInfo("Asia/Shanghai"),
        zone_name="Asia/Shanghai",
        sheet_title="Points rankings",
        rows_per_sheet=10,
    )
    book = openpyxl.load_workbook(path)
    assert [sheet.title for sheet in book.worksheets] == [
        "Points rankings",
        "Points rankings (2)",
        "Points rankings (3)",
    ]
    counts, ranks = [], []
    for sheet in book.worksheets:
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert values[0] == ["Rank", "Member id", "Total", "Available", "Frozen"]
        assert sheet.freeze_panes == "A2"
        assert len(values) <= 10
        counts.append(len(values) - 1)
        ranks += [row[0] for row in values[1:]]
    assert counts == [9, 9, 7]
    assert ranks == list(range(1, 26))


def test_jobs_whose_consumer_died_are_queued_again(manager_user, kingdee_connection, vendor_http):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record()], page_size=100))
    now = timezone.now()
    common = {
        "owner": manager_user, "kind": "shop_ledger", "connection": kingdee_connection, "language": "en",
        "time_zone": "Asia/Shanghai", "connection_name": kingdee_connection.name,
        "filters": {
            "period": "custom", "start": "2025-05-01", "end": "2025-05-31", "connection": str(kingdee_connection.pk)
        },
        "period_start": dt.datetime(2025, 5, 1, tzinfo=ZoneInfo("Asia/Shanghai")), "period_end": now,
    }  # fmt: skip
    died = ExportJob.objects.create(
        status=ExportStatus.RUNNING, lease_token="a" * 32, lease_expires_at=now - dt.timedelta(seconds=5), **common
    )
    lost = ExportJob.objects.create(status=ExportStatus.QUEUED, **common)
    ExportJob.objects.filter(pk=lost.pk).update(created_at=now - dt.timedelta(minutes=5))
    alive = ExportJob.objects.create(
        status=ExportStatus.RUNNING, lease_token="b" * 32, lease_expires_at=now + dt.timedelta(minutes=1), **common
    )
    assert services.requeue_stalled() == 2
    statuses = dict(ExportJob.objects.values_list("pk", "status"))
    assert statuses == {died.pk: ExportStatus.DONE, lost.pk: ExportStatus.DONE, alive.pk: ExportStatus.RUNNING}
