"""Export jobs under huey's immediate mode (tests/settings.py), the vendor faked with `responses`: the button makes a
job from the filters on screen, the job writes every row once into an .xlsx or CSV, a failing page is retried, a job
that cannot go on fails with a clear message and an INCOMPLETE file, a retried or resumed job starts at its
checkpoint, files are private to their owner (and admins) and expire."""

# ruff: noqa: RUF001 # full-width characters are the point of the formula tests and of Chinese headers

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from responses import matchers

from audit.models import AuditAction, AuditEntry
from exports.models import ExportJob, ExportStatus, export_storage
from exports.tasks import expire_export_files, run_export
from tests.exports.conftest import csv_rows, downloaded, xlsx_rows, xlsx_workbook
from tests.ledger.conftest import (
    KINGDEE_RECORDS_URL,
    XIAOE,
    kingdee_records,
    kingdee_token,
    record,
    record_calls,
    records_reply,
    xiaoe_balances_reply,
    xiaoe_token,
)

LEDGER_EXPORT = reverse("ledger:shop_ledger_export")
LEDGER_FILTERS = "?period=custom&start=2025-05-01&end=2025-05-31"
MOBILE = "13812345678"


def rows_of(prefix: str, count: int, **fields: str) -> list[dict]:
    return [record(id=f"{prefix}{i}", member_id=f"M{i:03d}", **fields) for i in range(count)]


def two_pages(vendor_http, first: list[dict], second: list[dict]) -> None:
    total = len(first) + len(second)
    kingdee_records(vendor_http, records_reply(first, count=total, page_size=100), page="1")
    kingdee_records(vendor_http, records_reply(second, count=total, page_size=100, page=2), page="2")


def export(client, url: str = LEDGER_EXPORT + LEDGER_FILTERS, file_format: str = "xlsx", capture=None):
    if capture is None:
        return client.post(url, {"format": file_format})
    with capture(execute=True):
        return client.post(url, {"format": file_format})


def last_job() -> ExportJob:
    return ExportJob.objects.latest("pk")


# --- a job from the button ------------------------------------------------------------------------------------------
def test_the_shop_ledger_button_makes_an_xlsx_of_every_row(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    second = [record(id="b1", type_name="积分兑换", member_mobile=MOBILE, occur="-100", integral="380")]
    two_pages(vendor_http, rows_of("a", 100), second)
    response = export(manager_client, capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.vendor_total, job.pages_done) == (ExportStatus.DONE, 101, 101, 2)
    assert job.filters["start"] == "2025-05-01"
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT_CREATED, details__job=job.pk).count() == 1

    download = manager_client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "no-store" in download["Cache-Control"]
    book = xlsx_workbook(downloaded(download))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:3] == ["Time (Asia/Shanghai)", "Record id", "Member id"]
    assert len(rows) == 1 + 101
    last = dict(zip(header, rows[-1], strict=True))
    assert last["Record id"] == "b1"
    assert last["Mobile"] == "138****5678"
    assert last["Change"] == -100
    assert last["Balance after"] == 380
    assert last["Type"] == "积分兑换"
    assert last["Direction"] == "Subtracted"
    assert last["Time (Asia/Shanghai)"] == dt.datetime(2025, 5, 20, 14, 30)
    # Ids stay text: "M001" and "a1" would survive as numbers anyway; what matters is the cell type.
    assert sheet.cell(row=2, column=2).data_type == "s"
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT_DOWNLOADED, details__job=job.pk).count() == 1


def test_the_file_name_says_what_it_holds_in_the_users_language(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record()], page_size=100))
    manager_client.post("/i18n/setlang/", {"language": "zh-hans"})
    export(manager_client, capture=django_capture_on_commit_callbacks)
    job = last_job()
    disposition = manager_client.get(reverse("exports:download", args=[job.pk]))["Content-Disposition"]
    ascii_name = re.search(r'filename="([^"]+)"', disposition).group(1)
    utf8_name = unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1))
    assert utf8_name == "积分流水-精斗云·上海旗舰店-20250501-20250531.xlsx"
    assert ascii_name == f"points-ledger-{kingdee_connection.pk}-20250501-20250531.xlsx"
    rows = next(iter(xlsx_rows(downloaded(manager_client.get(reverse("exports:download", args=[job.pk])))).values()))
    assert rows[0][0] == "时间（Asia/Shanghai）"
    # A person's name is 姓名 (名称 is for things), the type's number is 积分类型编号, the direction in Chinese.
    assert {"姓名", "积分类型编号", "收支类型"} <= set(rows[0])
    assert "名称" not in rows[0]
    assert rows[1][rows[0].index("收支类型")] not in ("add", "subtract", "Added", "Subtracted")


@pytest.mark.django_db(transaction=True)
def test_a_small_export_goes_straight_to_the_download(manager_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record()], page_size=100))
    response = export(manager_client)
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:download", args=[last_job().pk])


def test_csv_has_a_bom_and_guards_every_formula_prefix(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    hostile = [
        record(id="f1", type_name='=HYPERLINK("http://x")', member_name="\n=1+1"),
        record(id="f2", type_name="|calc", member_name="＝SUM(A1)"),
        record(id="f3", type_name="＋1", member_name="－2"),
        record(id="f4", type_name="＠x", member_name="\t=cmd"),
    ]
    kingdee_records(vendor_http, records_reply(hostile, page_size=100))
    export(manager_client, file_format="csv", capture=django_capture_on_commit_callbacks)
    job = last_job()
    download = manager_client.get(reverse("exports:download", args=[job.pk]))
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(downloaded(download))
    header = rows[0]
    types = [row[header.index("Type")] for row in rows[1:]]
    names = [row[header.index("Name")] for row in rows[1:]]
    assert types == ['\'=HYPERLINK("http://x")', "'|calc", "'＋1", "'＠x"]
    assert names == ["'\n=1+1", "'＝SUM(A1)", "'－2", "'\t=cmd"]
    # Points stay numbers: a negative change is not "guarded" into text.
    assert rows[1][header.index("Change")] == "-20"


def test_xlsx_writes_vendor_text_as_string_cells_never_formulas(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record(type_name="=1+1", member_name="@SUM(A1)")], page_size=100))
    export(manager_client, capture=django_capture_on_commit_callbacks)
    book = xlsx_workbook(downloaded(manager_client.get(reverse("exports:download", args=[last_job().pk]))))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    type_cell = sheet.cell(row=2, column=header.index("Type") + 1)
    name_cell = sheet.cell(row=2, column=header.index("Name") + 1)
    assert (type_cell.value, type_cell.data_type) == ("=1+1", "s")
    assert (name_cell.value, name_cell.data_type) == ("@SUM(A1)", "s")


def test_columns_no_row_fills_are_left_out(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows_of("a", 3), page_size=100))
    export(manager_client, capture=django_capture_on_commit_callbacks)
    header = next(iter(xlsx_rows(downloaded(manager_client.get(reverse("exports:download", args=[last_job().pk]))))
                       .values()))[0]  # fmt: skip
    assert "Mobile" not in header
    assert "Description" not in header
    assert {"Name", "Type", "Balance before", "Balance after"} <= set(header)


def test_a_row_repeated_on_the_next_page_is_written_once(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    first = rows_of("a", 100)
    two_pages(vendor_http, first, [first[-1], record(id="b1")])
    export(manager_client, capture=django_capture_on_commit_callbacks)
    job = last_job()
    rows = next(iter(xlsx_rows(downloaded(manager_client.get(reverse("exports:download", args=[job.pk])))).values()))
    ids = [row[1] for row in rows[1:]]
    assert len(ids) == len(set(ids)) == 101
    assert job.rows_written == 101


def test_the_period_end_is_pinned_to_when_the_job_was_made(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record()], page_size=100))
    before = timezone.now()
    export(manager_client, LEDGER_EXPORT + "?period=7d", capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert before - dt.timedelta(seconds=1) <= job.period_end <= timezone.now()
    # The preset is saved as the days it meant, so a job resumed tomorrow asks for the same days.
    assert job.filters["period"] == "custom"
    assert job.filters["end"] == timezone.localdate().isoformat()
    sent_end = record_calls(vendor_http)[0]["end_date"]
    assert sent_end == timezone.localtime(job.period_end).strftime("%Y-%m-%d %H:%M:%S")


def test_bad_filters_are_refused_like_the_page_refuses_them(manager_client, kingdee_connection):
    response = manager_client.post(LEDGER_EXPORT + "?period=custom&start=2025-05-31&end=2025-05-01", {"format": "xlsx"})
    assert response.status_code == 400
    assert "before the start date" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_an_old_export_link_leads_back_to_its_page(manager_client, kingdee_connection):
    response = manager_client.get(LEDGER_EXPORT + LEDGER_FILTERS)
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:shop_ledger") + LEDGER_FILTERS
    assert not ExportJob.objects.exists()


# --- rankings and member history -------------------------------------------------------------------------------------
def test_rankings_export_ranks_every_member_once(
    manager_client, vendor_http, xiaoe_connection, django_capture_on_commit_callbacks
):
    xiaoe_token(vendor_http)
    batch = XIAOE + "/xe.account.info.batch/1.0.0"
    first = xiaoe_balances_reply([f"u{i}" for i in range(100)], total=101, last_page=2)
    second = xiaoe_balances_reply(["u99", "张三"], total=101, last_page=2, start=100)
    vendor_http.post(batch, json=first, match=[matchers.json_params_matcher({"page": "1"}, strict_match=False)])
    vendor_http.post(batch, json=second, match=[matchers.json_params_matcher({"page": "2"}, strict_match=False)])
    export(
        manager_client, reverse("ledger:rankings_export") + "?sort=total", capture=django_capture_on_commit_callbacks
    )
    job = last_job()
    rows = next(iter(xlsx_rows(downloaded(manager_client.get(reverse("exports:download", args=[job.pk])))).values()))
    header = rows[0]
    # Xiaoe sends no names nor mobiles: those columns are left out.
    assert header == ["Rank", "Member id", "Total", "Available", "Frozen", "First earned (Asia/Shanghai)"]
    assert [row[0] for row in rows[1:]] == list(range(1, 102))
    assert rows[-1][1] == "张三"
    assert rows[1][2] == 1000


def test_a_whole_month_vendor_is_read_month_by_month(
    manager_client, vendor_http, xiaoe_connection, django_capture_on_commit_callbacks
):
    xiaoe_token(vendor_http)
    flows = XIAOE + "/xe.account.flow.list/1.0.0"

    def month(year_month: str, days: list[int]) -> dict:
        rows = [
            {"id": d, "flow_id": f"F{year_month}{d}", "user_id": "u_1", "flow_type": 1, "business_type": "001",
             "flow_count": 10, "balance": "100", "created_at": f"{year_month.replace('_', '-')}-{d:02d} 10:00:00",
             "remark": "签到"}
            for d in days
        ]  # fmt: skip
        page = {"current_page": 1, "last_page": 1, "page_size": 100, "total": len(rows)}
        return {"code": 0, "msg": "ok", "data": {"list": rows, "page": page}}

    for year_month, days in (("2025_03", [30, 1]), ("2025_04", [15]), ("2025_05", [20, 2])):
        vendor_http.post(
            flows,
            json=month(year_month, days),
            match=[matchers.json_params_matcher({"year_month": year_month}, strict_match=False)],
        )
    url = (
        reverse("ledger:member_export", args=[xiaoe_connection.pk, "u_1"])
        + "?period=custom&start=2025-03-15&end=2025-05-10"
    )
    export(manager_client, url, capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.status == ExportStatus.DONE
    calls = [c for c in vendor_http.calls if "flow.list" in c.request.url]
    assert len(calls) == 3  # one page of each month, no month read twice
    rows = next(iter(xlsx_rows(downloaded(manager_client.get(reverse("exports:download", args=[job.pk])))).values()))
    # Newest first, and only the days asked for (the vendor answers whole months).
    assert [row[1] for row in rows[1:]] == ["F2025_052", "F2025_0415", "F2025_0330"]


# --- failures, retries and resuming -----------------------------------------------------------------------------------
def test_a_page_the_vendor_fails_is_fetched_again(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    first = rows_of("a", 100)
    kingdee_records(vendor_http, records_reply(first, count=101, page_size=100), page="1")
    for _ in range(4):  # more than the HTTP layer's own retries: the page itself is tried again
        vendor_http.get(
            KINGDEE_RECORDS_URL, status=500, match=[matchers.query_param_matcher({"page": "2"}, strict_match=False)]
        )
    kingdee_records(vendor_http, records_reply([record(id="b1")], count=101, page_size=100, page=2), page="2")
    export(manager_client, capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert (job.status, job.rows_written, job.partial) == (ExportStatus.DONE, 101, False)


def test_a_vendor_that_keeps_failing_fails_the_job_clearly_and_the_rows_so_far_are_marked_incomplete(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows_of("a", 100), count=300, page_size=100), page="1")
    vendor_http.get(
        KINGDEE_RECORDS_URL, status=500, match=[matchers.query_param_matcher({"page": "2"}, strict_match=False)]
    )
    export(manager_client, capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.status == ExportStatus.FAILED
    assert job.error_message.startswith("The export stopped: The vendor's service cannot be reached right now.")
    assert "page 2, tried 5 times" in job.error_message
    assert "100 rows exported before it are in a file marked INCOMPLETE" in job.error_message
    page = manager_client.get(reverse("exports:detail", args=[job.pk])).content.decode()
    assert "Download the 100 rows so far (INCOMPLETE)" in page
    download = manager_client.get(reverse("exports:download", args=[job.pk]))
    assert unquote(download["Content-Disposition"]).split("''")[1].startswith("INCOMPLETE-")
    rows = next(iter(xlsx_rows(downloaded(download)).values()))
    assert rows[0][0].startswith("INCOMPLETE: this file holds 100 of 300 rows.")
    assert rows[1][1] == "Record id"
    assert len(rows) == 2 + 100


def test_try_again_goes_on_from_the_failed_page(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows_of("a", 100), count=101, page_size=100), page="1")
    failing = vendor_http.get(
        KINGDEE_RECORDS_URL, status=500, match=[matchers.query_param_matcher({"page": "2"}, strict_match=False)]
    )
    export(manager_client, capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.status == ExportStatus.FAILED
    vendor_http.remove(failing)
    kingdee_records(vendor_http, records_reply([record(id="b1")], count=101, page_size=100, page=2), page="2")
    pages_before = [call["page"] for call in record_calls(vendor_http)]
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("exports:retry", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.partial) == (ExportStatus.DONE, 101, False)
    assert [call["page"] for call in record_calls(vendor_http)][len(pages_before) :] == ["2"]
    rows = next(iter(xlsx_rows(downloaded(manager_client.get(reverse("exports:download", args=[job.pk])))).values()))
    assert len(rows) == 1 + 101
    assert not rows[0][0].startswith("INCOMPLETE")


class ConsumerKilled(BaseException):
    """Stands for the consumer process dying in the middle of a page: nothing of ours runs after it."""


def test_a_run_that_died_is_resumed_from_its_checkpoint(manager_client, vendor_http, kingdee_connection):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows_of("a", 100), count=250, page_size=100), page="1")

    def die(request):
        raise ConsumerKilled

    vendor_http.add_callback(
        "GET",
        KINGDEE_RECORDS_URL,
        callback=die,
        match=[matchers.query_param_matcher({"page": "2"}, strict_match=False)],
    )
    manager_client.post(LEDGER_EXPORT + LEDGER_FILTERS, {"format": "csv"})  # queued: this test runs it
    with pytest.raises(ConsumerKilled):
        run_export(last_job().pk)
    job = last_job()
    assert (job.status, job.rows_written, job.checkpoint["page"]) == (ExportStatus.RUNNING, 100, 2)
    vendor_http.reset()
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows_of("b", 100), count=250, page_size=100, page=2), page="2")
    kingdee_records(vendor_http, records_reply(rows_of("c", 50), count=250, page_size=100, page=3), page="3")
    # Its lease still holds: another task leaves it alone.
    run_export(job.pk)
    assert record_calls(vendor_http) == []
    ExportJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    run_export(job.pk)
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.attempts) == (ExportStatus.DONE, 250, 2)
    assert [call["page"] for call in record_calls(vendor_http)] == ["2", "3"]
    rows = csv_rows(downloaded(manager_client.get(reverse("exports:download", args=[job.pk]))))
    ids = [row[1] for row in rows[1:]]
    assert len(ids) == len(set(ids)) == 250


def test_pages_are_fetched_several_at_once(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks, settings
):
    settings.EXPORT_JOB_CONCURRENCY = 4
    kingdee_token(vendor_http)
    for page in range(1, 9):
        rows = rows_of(f"p{page}-", 100 if page < 8 else 10)
        kingdee_records(vendor_http, records_reply(rows, count=710, page_size=100, page=page), page=str(page))
    export(manager_client, capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert (job.status, job.rows_written, job.pages_done) == (ExportStatus.DONE, 710, 8)
    rows = next(iter(xlsx_rows(downloaded(manager_client.get(reverse("exports:download", args=[job.pk])))).values()))
    # Whatever order the pages came back in, the file keeps the vendor's.
    assert [row[1] for row in rows[1:]] == [
        f"p{page}-{i}" for page in range(1, 9) for i in range(100 if page < 8 else 10)
    ]


# --- who may do what -------------------------------------------------------------------------------------------------
@pytest.fixture
def done_job(manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks) -> ExportJob:
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record()], page_size=100))
    export(manager_client, capture=django_capture_on_commit_callbacks)
    return last_job()


def test_a_support_user_cannot_start_an_export(support_client, kingdee_connection):
    assert support_client.post(LEDGER_EXPORT + LEDGER_FILTERS, {"format": "xlsx"}).status_code == 403
    url = reverse("ledger:member_export", args=[kingdee_connection.pk, "M001"])
    assert support_client.post(url, {"format": "xlsx"}).status_code == 403
    assert support_client.get(reverse("exports:list")).status_code == 403
    assert not ExportJob.objects.exists()


def test_another_user_cannot_see_download_or_cancel_a_job(done_job, make_user_client):
    other = make_user_client("manager2", "Manager")
    for name in ("exports:detail", "exports:download"):
        assert other.get(reverse(name, args=[done_job.pk])).status_code == 403
    assert other.post(reverse("exports:cancel", args=[done_job.pk])).status_code == 403
    assert reverse("exports:detail", args=[done_job.pk]) not in other.get(reverse("exports:list")).content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT_DOWNLOADED).exists()


def test_an_admin_sees_and_may_download_everyones_jobs(done_job, admin_client):
    listing = admin_client.get(reverse("exports:list")).content.decode()
    assert reverse("exports:detail", args=[done_job.pk]) in listing
    assert "manager" in listing
    assert admin_client.get(reverse("exports:download", args=[done_job.pk])).status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT_DOWNLOADED)
    assert (entry.username, entry.details["owner"]) == ("admin", "manager")


def test_the_download_centre_lists_status_rows_size_and_expiry(done_job, manager_client):
    html = manager_client.get(reverse("exports:list")).content.decode()
    assert "Points transactions · 精斗云·上海旗舰店 · 2025-05-01 – 2025-05-31 · Excel (.xlsx)" in html
    assert "Done" in html
    assert done_job.expires_at.astimezone(dt.UTC) - done_job.created_at.astimezone(dt.UTC) >= dt.timedelta(days=7)
    assert timezone.localtime(done_job.expires_at).strftime("%Y-%m-%d %H:%M") in html
    assert reverse("exports:download", args=[done_job.pk]) in html


def test_the_top_bar_links_the_download_centre_for_whoever_may_export(manager_client, support_client):
    assert reverse("exports:list") in manager_client.get(reverse("ledger:shop_ledger")).content.decode()
    assert reverse("exports:list") not in support_client.get(reverse("ledger:member_search")).content.decode()


# --- progress, cancel, expiry ----------------------------------------------------------------------------------------
def _running_job(owner, connection, **fields) -> ExportJob:
    now = timezone.now()
    values = {
        "owner": owner, "owner_name": owner.username, "kind": "shop_ledger", "connection": connection,
        "connection_name": connection.name, "language": "en", "time_zone": "Asia/Shanghai",
        "status": ExportStatus.RUNNING, "rows_written": 2500, "vendor_total": 10_000, "rows_at_resume": 0,
        "resumed_at": now - dt.timedelta(seconds=10), "progress_at": now, "lease_token": "x" * 32,
        "lease_expires_at": now + dt.timedelta(minutes=1),
    }  # fmt: skip
    values.update(fields)
    return ExportJob.objects.create(**values)


def test_the_progress_polls_while_the_job_runs_and_stops_when_it_ends(manager_user, manager_client, kingdee_connection):
    job = _running_job(manager_user, kingdee_connection)
    partial = manager_client.get(reverse("exports:detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section id="job-progress"')
    assert 'hx-trigger="every 1s"' in partial
    assert 'max="10000" value="2500"' in partial
    assert "2,500 of 10,000 rows" in partial
    assert "about 30 s left" in partial
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.FAILED, error_message="It broke.")
    ended = manager_client.get(reverse("exports:detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in ended
    assert "It broke." in ended


def test_cancelling_stops_the_job_and_is_audited(manager_user, manager_client, kingdee_connection, vendor_http):
    job = _running_job(
        manager_user, kingdee_connection, status=ExportStatus.QUEUED, lease_token="", lease_expires_at=None
    )
    response = manager_client.post(reverse("exports:cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ExportStatus.CANCELLED
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT_CANCELLED, details__job=job.pk).count() == 1
    run_export(job.pk)  # its task, when it comes, does nothing
    assert not vendor_http.calls
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.CANCELLED


def test_an_expired_file_is_gone_from_disk(done_job, manager_client):
    path = Path(export_storage().path(done_job.file.name))
    assert path.is_file()
    ExportJob.objects.filter(pk=done_job.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expire_export_files()
    assert not path.exists()
    done_job.refresh_from_db()
    assert done_job.status == ExportStatus.EXPIRED
    assert manager_client.get(reverse("exports:download", args=[done_job.pk])).status_code == 404
    assert "has expired" in manager_client.get(reverse("exports:detail", args=[done_job.pk])).content.decode()


def test_numbers_beyond_what_excel_keeps_are_written_as_their_exact_text(
    manager_client, vendor_http, kingdee_connection, django_capture_on_commit_callbacks
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply([record(integral="999999999999999.25", occur="0.1")], page_size=100))
    export(manager_client, capture=django_capture_on_commit_callbacks)
    rows = next(
        iter(xlsx_rows(downloaded(manager_client.get(reverse("exports:download", args=[last_job().pk])))).values())
    )
    header = rows[0]
    assert rows[1][header.index("Balance after")] == "999999999999999.25"
    assert Decimal(str(rows[1][header.index("Change")])) == Decimal("0.1")


def test_spools_are_kept_only_for_jobs_that_may_go_on(manager_user, kingdee_connection):
    from exports.runner import spool_dir

    failed = _running_job(manager_user, kingdee_connection, status=ExportStatus.FAILED)
    cancelled = _running_job(manager_user, kingdee_connection, status=ExportStatus.CANCELLED)
    spool_dir().mkdir(parents=True, exist_ok=True)
    kept, gone = spool_dir() / f"{failed.pk}-a.jsonl", spool_dir() / f"{cancelled.pk}-b.jsonl"
    for path in (kept, gone):
        path.write_text('["r:1", []]\n')
    expire_export_files()
    assert kept.exists()  # "try again" resumes from it
    assert not gone.exists()


@pytest.mark.django_db(transaction=True)
def test_a_run_writing_a_big_file_keeps_its_lease(manager_user, vendor_http, kingdee_connection, settings, monkeypatch):
    from exports import runner
    from exports.spool import Spool

    settings.EXPORT_LEASE_SECONDS = 2
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, records_reply(rows_of("a", 100), count=300, page_size=100, page=1), page="1")
    kingdee_records(vendor_http, records_reply(rows_of("b", 100), count=300, page_size=100, page=2), page="2")
    kingdee_records(vendor_http, records_reply(rows_of("c", 100), count=300, page_size=100, page=3), page="3")
    spooled_rows = Spool.rows

    def slow_disk(self):
        for row in spooled_rows(self):
            time.sleep(0.006)  # reading the spool twice takes ~3.6 s, longer than the lease
            yield row

    monkeypatch.setattr(Spool, "rows", slow_disk)
    taken_over: list[object] = []

    def another_consumer() -> None:
        time.sleep(2.8)
        taken_over.append(runner.claim(last_job().pk))
        connection.close()

    shanghai = dt.timezone(dt.timedelta(hours=8))
    filters = {"period": "custom", "start": "2025-05-01", "end": "2025-05-31", "connection": str(kingdee_connection.pk)}
    ExportJob.objects.create(
        owner=manager_user, kind="shop_ledger", connection=kingdee_connection, connection_name=kingdee_connection.name,
        filters=filters, period_start=dt.datetime(2025, 5, 1, tzinfo=shanghai),
        period_end=dt.datetime(2025, 5, 31, 23, 59, 59, tzinfo=shanghai), language="en", time_zone="Asia/Shanghai",
    )  # fmt: skip
    thread = threading.Thread(target=another_consumer)
    thread.start()
    run_export(last_job().pk)
    thread.join()
    assert taken_over == [None]
    job = last_job()
    assert (job.status, job.rows_written, job.attempts) == (ExportStatus.DONE, 300, 1)
