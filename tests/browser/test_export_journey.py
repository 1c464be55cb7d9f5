"""Journey: a manager exports the shop ledger. The button starts a job, the job's page shows the progress bar
moving while a real huey consumer works through the vendor's pages, and the finished file downloads and opens."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import Iterator
from urllib.parse import unquote

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exports.models import ExportJob
from tests.browser.conftest import log_in
from tests.exports.consumer import running_consumer


@pytest.fixture
def queue(settings) -> Iterator[None]:
    from huey.contrib.djhuey import HUEY

    settings.EXPORT_QUICK_SECONDS = 0
    HUEY.immediate = False
    HUEY.flush()
    yield
    HUEY.flush()
    HUEY.immediate = True


def test_manager_exports_the_shop_ledger_watching_the_progress(
    live_server, manager_user, fresh_sandbox, new_page, make_connection, queue, tmp_path
):
    # Slow enough pages that the progress bar is seen at several points on the way.
    fresh_sandbox.set_knobs("kingdee", latency_ms=100)
    make_connection("kingdee", base_url=fresh_sandbox.base_url, name="精斗云·上海旗舰店")
    start = (timezone.localdate() - dt.timedelta(days=45)).isoformat()
    with running_consumer(tmp_path / "consumer.log", EXPORT_JOB_CONCURRENCY="2") as consumer:
        page = new_page("zh-hans")
        log_in(page, live_server.url, "manager")
        page.goto(f"{live_server.url}/ledger/?period=custom&start={start}")
        page.locator("form.export-form button[value=xlsx]").click()
        page.wait_for_url(re.compile(r"/exports/\d+/$"))
        expect(page.locator("nav.topnav a.active")).to_have_text("我的导出")

        section = page.locator("#job-progress")
        values: list[int] = []
        deadline = time.monotonic() + 90
        # Status and bar read together: the section is swapped whole, and the bar goes once the job is done.
        read = """() => { const s = document.querySelector('#job-progress'), p = s && s.querySelector('progress');
                          return [s ? s.dataset.status : null, p ? p.getAttribute('value') : null]; }"""
        while (state := page.evaluate(read))[0] in ("queued", "running", None):
            assert time.monotonic() < deadline, consumer.output()[-3000:]
            value = state[1]
            if value is not None and (not values or int(value) != values[-1]):
                values.append(int(value))
            page.wait_for_timeout(150)
        assert section.get_attribute("data-status") == "done", section.inner_text()
        job = ExportJob.objects.get()
        moving = [value for value in values if 0 < value < job.rows_written]
        assert len(moving) >= 2, f"the progress bar showed {values} of {job.rows_written} rows"
        assert moving == sorted(moving)

        with page.expect_download() as download_info:
            page.locator("a.download-link").click()
        download = download_info.value
        assert unquote(download.suggested_filename).startswith("积分流水-精斗云·上海旗舰店-")
        content = download.path().read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "时间（Asia/Shanghai）"  # noqa: RUF001 # the Chinese header as written
    assert len(rows) - 1 == job.rows_written > 1_000
