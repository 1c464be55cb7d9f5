"""Exports end to end: a real `run_huey` consumer process against the vendor sandbox over HTTP, on this run's
database and queue (SQLite and a SQLite queue file in the first run, PostgreSQL and Redis in the second).

A 10,000-record member export opens in openpyxl with every row and the sandbox's exact balances; a consumer killed
mid-job and started again finishes it with no row missing or doubled; three failures on page 7 still give a complete
file; a vendor that keeps failing gives a failed job with a clear message; others cannot download the file, a support
user cannot start a job; an expired file is gone from disk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exports.models import ExportJob, ExportStatus, export_storage
from pointsadmin import roles
from sandbox.demo import DEMO_IDENTIFIERS
from sandbox.testing import SandboxHandle, running_sandbox
from tests import secret_sweep
from tests.conftest import PASSWORD
from tests.exports.conftest import downloaded, xlsx_rows
from tests.exports.consumer import Consumer, running_consumer, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BIG_MEMBER = DEMO_IDENTIFIERS["kingdee_member_id_10k"]
RECORDS_CALLS = "calls:GET /jdy/v2/ls/integral_record"
# Short leases and pauses, so that a killed consumer's job is taken over within seconds.
CONSUMER_SETTINGS = {
    "EXPORT_LEASE_SECONDS": "3",
    "EXPORT_RETRY_BACKOFF_SECONDS": "0.05",
    "EXPORT_PAGE_ATTEMPTS": "5",
    "EXPORT_JOB_CONCURRENCY": "2",
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def queue(settings) -> Iterator[None]:
    """This process queues tasks for the consumer instead of running them itself (huey's immediate mode is off)."""
    from huey.contrib.djhuey import HUEY

    settings.EXPORT_QUICK_SECONDS = 0
    HUEY.immediate = False
    HUEY.flush()
    yield
    HUEY.flush()
    HUEY.immediate = True


@pytest.fixture
def consumer_log(tmp_path) -> Iterator[Path]:
    log = tmp_path / "consumer.log"
    yield log
    # The consumer's logs are searched for secrets like the test process's own.
    if log.exists():
        secret_sweep._check(log.read_text(errors="replace"), "log of the huey consumer")


@pytest.fixture
def kingdee(sandbox, make_connection):
    sandbox.reset()
    return make_connection("kingdee", base_url=sandbox.base_url, name="精斗云·上海旗舰店", timeout_seconds=5)


def client_of(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def member_export(client: Client, connection, member: str = BIG_MEMBER, file_format: str = "xlsx") -> ExportJob:
    start = (timezone.localdate() - dt.timedelta(days=340)).isoformat()
    url = reverse("ledger:member_export", args=[connection.pk, member]) + f"?period=custom&start={start}"
    response = client.post(url, {"format": file_format})
    assert response.status_code == 302, response.content[:500]
    return ExportJob.objects.latest("pk")


def finished(job: ExportJob, consumer: Consumer, timeout: float = 120) -> ExportJob:
    def ended() -> ExportJob | None:
        job.refresh_from_db()
        return job if job.status in (ExportStatus.DONE, ExportStatus.FAILED) else None

    return wait_for(ended, timeout=timeout, what=f"export {job.pk} to end", consumer=consumer)


def sandbox_balances(sandbox: SandboxHandle, member: str = BIG_MEMBER) -> dict[str, int]:
    return {
        str(record.seq): record.balance_after for record in sandbox.state.datasets["kingdee-sh"].by_id[member].records
    }


def exported_balances(client: Client, job: ExportJob) -> list[tuple[str, int]]:
    (rows,) = xlsx_rows(downloaded(client.get(reverse("exports:download", args=[job.pk])))).values()
    header = rows[0]
    record_id, balance = header.index("Record id"), header.index("Balance after")
    return [(row[record_id], row[balance]) for row in rows[1:]]


def test_a_10000_record_member_export_holds_every_row_and_exact_balance(
    sandbox, kingdee, queue, manager_user, support_user, consumer_log
):
    manager = client_of(manager_user)
    with running_consumer(consumer_log, **CONSUMER_SETTINGS) as consumer:
        job = finished(member_export(manager, kingdee), consumer)
    assert job.status == ExportStatus.DONE, job.error_message
    assert (job.rows_written, job.vendor_total) == (10_000, 10_000)
    exported = exported_balances(manager, job)
    assert len(exported) == 10_000
    assert dict(exported) == sandbox_balances(sandbox)

    # Somebody else's file is not theirs to download; a support user cannot start an export.
    other = User.objects.create_user("manager2", password=PASSWORD)
    other.groups.add(Group.objects.get(name=roles.MANAGER))
    assert client_of(other).get(reverse("exports:download", args=[job.pk])).status_code == 403
    start = reverse("ledger:member_export", args=[kingdee.pk, BIG_MEMBER])
    assert client_of(support_user).post(start, {"format": "xlsx"}).status_code == 403
    assert ExportJob.objects.count() == 1


def test_a_consumer_killed_mid_job_and_started_again_finishes_it_with_no_row_missing_or_doubled(
    sandbox, kingdee, queue, manager_user, consumer_log
):
    sandbox.set_knobs("kingdee", latency_ms=40)
    manager = client_of(manager_user)
    first = Consumer(consumer_log, **CONSUMER_SETTINGS)
    first.start()
    try:
        job = member_export(manager, kingdee)

        def under_way() -> bool:
            job.refresh_from_db()
            return job.rows_written >= 3_000

        wait_for(under_way, timeout=60, what="the export to get going", consumer=first)
    finally:
        first.kill()
    job.refresh_from_db()
    assert job.status == ExportStatus.RUNNING
    stopped_at = job.rows_written
    assert 3_000 <= stopped_at < 10_000
    calls_before = sandbox.counters()[RECORDS_CALLS]
    with running_consumer(consumer_log, **CONSUMER_SETTINGS) as second:
        job = finished(job, second)
    assert job.status == ExportStatus.DONE, job.error_message
    assert job.attempts == 2
    exported = exported_balances(manager, job)
    ids = [record_id for record_id, _balance in exported]
    assert len(ids) == len(set(ids)) == 10_000
    assert dict(exported) == sandbox_balances(sandbox)
    # Resumed after its last spooled page, not from page 1: the second run read only what was left (plus the
    # pages the first had fetched ahead but not yet spooled).
    calls_after = sandbox.counters()[RECORDS_CALLS] - calls_before
    assert calls_after <= 100 - stopped_at // 100 + 3 * 2


def test_a_vendor_failing_three_times_on_page_7_still_gives_a_complete_file(
    sandbox, kingdee, queue, manager_user, consumer_log
):
    sandbox.set_knobs("kingdee", fail_page=7, fail_page_times=3)
    manager = client_of(manager_user)
    with running_consumer(consumer_log, **CONSUMER_SETTINGS) as consumer:
        job = finished(member_export(manager, kingdee), consumer)
    assert sandbox.counters()["page_faults:kingdee"] == 3
    assert (job.status, job.rows_written, job.partial) == (ExportStatus.DONE, 10_000, False)
    assert dict(exported_balances(manager, job)) == sandbox_balances(sandbox)


def test_a_vendor_that_keeps_failing_gives_a_failed_job_with_a_clear_message(
    sandbox, kingdee, queue, manager_user, consumer_log
):
    sandbox.set_knobs("kingdee", fail_page=3, fail_page_times=-1)
    manager = client_of(manager_user)
    with running_consumer(consumer_log, **CONSUMER_SETTINGS) as consumer:
        job = finished(member_export(manager, kingdee), consumer)
    assert job.status == ExportStatus.FAILED
    assert job.error_message.startswith("The export stopped: The vendor's service cannot be reached right now.")
    assert "(page 3, tried 5 times)" in job.error_message
    page = manager.get(reverse("exports:detail", args=[job.pk])).content.decode()
    assert "Download the 200 rows so far (INCOMPLETE)" in page
    (rows,) = xlsx_rows(downloaded(manager.get(reverse("exports:download", args=[job.pk])))).values()
    assert rows[0][0].startswith("INCOMPLETE: this file holds 200 of 10,000 rows.")
    assert len(rows) == 2 + 200


def test_an_expired_file_is_deleted_by_the_consumer(sandbox, kingdee, queue, manager_user, consumer_log):
    from exports.tasks import expire_export_files

    manager = client_of(manager_user)
    with running_consumer(consumer_log, **CONSUMER_SETTINGS) as consumer:
        job = finished(member_export(manager, kingdee, member=DEMO_IDENTIFIERS["kingdee_member_id"]), consumer)
        path = Path(export_storage().path(job.file.name))
        assert path.is_file()
        ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        expire_export_files()  # the periodic task, queued now rather than at its time
        wait_for(lambda: not path.exists(), timeout=30, what="the expired file to go", consumer=consumer)
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED
    assert manager.get(reverse("exports:download", args=[job.pk])).status_code == 404
