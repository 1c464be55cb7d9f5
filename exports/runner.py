"""Running one export job, so that nothing is lost, nothing doubled, and a killed consumer costs only a few pages.

- A run first *claims* the job: an atomic UPDATE that succeeds only when no other run holds an unexpired lease. The
  run renews its lease as it goes; when its consumer dies, the lease runs out and the job's next task (re-queued when
  a consumer starts, and every minute by a periodic task) takes it over.
- Pages are fetched by a small pool of threads (EXPORT_JOB_CONCURRENCY), each page taking its turn at the
  connection's slots and the exports' share of the vendor's rate limit (exports/throttle.py). A page the vendor
  fails is fetched again with growing pauses; only after EXPORT_PAGE_ATTEMPTS tries does the job fail.
- Pages are appended to the spool strictly in order, rows already spooled (by record id) skipped, and after each
  page the checkpoint (the spool's length, the next page) is saved together with the progress, under the lease. A
  resumed run cuts the spool back to the checkpoint and goes on from the next page.
- At the end the spool becomes the file (exports/writers.py), saved through the private export storage. A job that
  failed gets a file of the rows so far, marked INCOMPLETE in its name and first row, and keeps its spool: "retry"
  resumes it from where it stopped.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext

from exports import naming, sources, writers
from exports.models import NO_LEASE, ExportJob, ExportKind, ExportStatus, export_storage
from exports.rows import SpoolRow
from exports.spool import Spool, SpoolLost
from exports.throttle import ExportGate, Stopped
from vendors.exceptions import VendorError

logger = logging.getLogger(__name__)

# How often the run looks up from its pages to renew its lease and notice a cancel.
LOOP_SECONDS = 2.0


def spool_path(job_id: int, token: str) -> Path:
    """Each run spools to a file of its own name: a run that resumes a job renames the last run's spool to its
    own, so that a stalled old run that wakes up can only write into a new, stray file, never into this one."""
    return Path(export_storage().path(f"spool/{job_id}-{token}.jsonl"))


def spool_dir() -> Path:
    return Path(export_storage().path("spool"))


def delete_spools(job_id: int) -> None:
    for path in spool_dir().glob(f"{job_id}-*.jsonl"):
        path.unlink(missing_ok=True)


def work_dir() -> Path:
    path = Path(export_storage().path("tmp"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def pause(seconds: float, stop: threading.Event) -> bool:
    """Wait between tries of a page; True when the job stopped meanwhile (a module function, so tests can skip it)."""
    return stop.wait(seconds)


def claim(job_id: int) -> str | None:
    """Take the job for this run: its lease token, or None when it is finished or another run holds it."""
    now = timezone.now()
    token = uuid.uuid4().hex
    taken = (
        ExportJob.objects.filter(pk=job_id, status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING))
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .update(
            status=ExportStatus.RUNNING,
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=settings.EXPORT_LEASE_SECONDS),
            attempts=F("attempts") + 1,
            resumed_at=now,
            progress_at=now,
            rows_at_resume=F("rows_written"),
        )
    )
    if not taken:
        return None
    ExportJob.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    return token


class PageFailed(Exception):
    def __init__(self, segment: int, page: int, attempts: int, error: VendorError) -> None:
        super().__init__(str(error))
        self.segment, self.page, self.attempts, self.error = segment, page, attempts, error


class LeaseLost(Exception):
    """The job was cancelled, or its lease passed to another run: this run stops writing at once."""


@dataclass
class Position:
    """Where the spool stands: the next page to append, and what is known of each part's pages."""

    segment: int = 0
    page: int = 1
    length: int = 0
    counts: dict[int, int] = field(default_factory=dict)  # part → pages, when the vendor said
    totals: dict[int, int] = field(default_factory=dict)  # part → rows, when the vendor said

    @classmethod
    def from_checkpoint(cls, data: dict) -> Position:
        return cls(
            segment=int(data.get("segment", 0)),
            page=int(data.get("page", 1)),
            length=int(data.get("length", 0)),
            counts={int(k): int(v) for k, v in data.get("counts", {}).items()},
            totals={int(k): int(v) for k, v in data.get("totals", {}).items()},
        )

    def checkpoint(self) -> dict:
        return {
            "segment": self.segment,
            "page": self.page,
            "length": self.length,
            "counts": {str(k): v for k, v in self.counts.items()},
            "totals": {str(k): v for k, v in self.totals.items()},
        }


class JobRun:
    def __init__(self, job: ExportJob, token: str) -> None:
        self.job = job
        self.token = token
        self.stop = threading.Event()
        self.rows_written = job.rows_written
        self.pages_done = job.pages_done
        self.renewed_at = timezone.now()

    # --- the lease ----------------------------------------------------------------------------------------------
    def _held(self) -> Q:
        return Q(pk=self.job.pk, lease_token=self.token, status=ExportStatus.RUNNING)

    def _save(self, **fields: object) -> None:
        """Update the job under the lease, renewing it; LeaseLost when the job is no longer this run's."""
        now = timezone.now()
        fields.setdefault("lease_expires_at", now + timedelta(seconds=settings.EXPORT_LEASE_SECONDS))
        if not ExportJob.objects.filter(self._held()).update(**fields):
            self.stop.set()
            raise LeaseLost
        self.renewed_at = now

    def _renew_if_due(self) -> None:
        if (timezone.now() - self.renewed_at).total_seconds() >= settings.EXPORT_LEASE_SECONDS / 4:
            self._save()

    # --- fetching -----------------------------------------------------------------------------------------------
    def _fetch(self, source: sources.Source, gate: ExportGate, segment: int, page: int) -> sources.FetchedPage:
        attempts = max(1, settings.EXPORT_PAGE_ATTEMPTS)
        with translation.override(self.job.language):
            for attempt in range(1, attempts + 1):
                try:
                    with gate.turn(self.stop):
                        return source.fetch(segment, page)
                except VendorError as error:
                    if not error.retryable or attempt == attempts:
                        raise PageFailed(segment, page, attempt, error) from error
                    logger.info(
                        "export %s: page %s failed (%s), try %s of %s", self.job.pk, page, error, attempt, attempts
                    )
                base = settings.EXPORT_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1)
                if pause(base + random.uniform(0, base / 2), self.stop):  # noqa: S311  # nosec B311 # jitter
                    raise Stopped
        raise AssertionError("unreachable")

    def _pages(
        self, source: sources.Source, position: Position
    ) -> Iterator[tuple[int, int, sources.FetchedPage, bool]]:
        """Pages in order from `position`, fetched ahead by the pool. Each part's first page tells how many it has
        (then the rest are fetched at once); without a count, the next page is asked for when one comes back full.
        Yields (part, page, the page, whether it is the part's last)."""
        concurrency = max(1, settings.EXPORT_JOB_CONCURRENCY)
        if not source.vendor_calls:
            yield from self._own_pages(source, position)
            return
        gate = ExportGate(
            connection_id=self.job.connection_id or 0,
            vendor=self.job.connection.vendor if self.job.connection else "",
            rate_limit=source.rate_limit,
            rate_scope=source.rate_scope,
        )
        frontier = {position.segment: position.page}  # part → the furthest page known to exist
        for segment, count in position.counts.items():
            frontier[segment] = max(frontier.get(segment, 1), min(count, sources.MAX_PAGES))
        ended: dict[int, int] = {}  # part → its last page
        submitted: set[tuple[int, int]] = set()
        ready: dict[tuple[int, int], sources.FetchedPage] = {}
        in_flight: dict[Future, tuple[int, int]] = {}
        at = (position.segment, position.page)

        def eligible() -> Iterator[tuple[int, int]]:
            for segment in range(at[0], source.segments):
                first = at[1] if segment == at[0] else 1
                last = min(frontier.get(segment, first), ended.get(segment, sources.MAX_PAGES))
                for page in range(first, last + 1):
                    if (segment, page) not in submitted:
                        yield segment, page

        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=f"export-{self.job.pk}")
        try:
            while at[0] < source.segments:
                for key in eligible():
                    if len(in_flight) >= concurrency or len(in_flight) + len(ready) >= 3 * concurrency:
                        break
                    submitted.add(key)
                    in_flight[pool.submit(self._fetch, source, gate, *key)] = key
                if not in_flight and at not in ready:
                    raise AssertionError(f"export {self.job.pk}: no page to fetch at {at}")
                done, _pending = wait(list(in_flight), timeout=LOOP_SECONDS, return_when=FIRST_COMPLETED)
                for future in done:
                    segment, page = in_flight.pop(future)
                    result = future.result()  # PageFailed ends the run
                    if result.has_next:
                        frontier[segment] = max(frontier.get(segment, 1), page + 1)
                    else:
                        ended[segment] = min(ended.get(segment, page), page)
                    if result.page_count is not None and segment not in position.counts:
                        position.counts[segment] = result.page_count
                        frontier[segment] = max(frontier.get(segment, 1), min(result.page_count, sources.MAX_PAGES))
                        if result.total is not None:
                            position.totals[segment] = result.total
                    if (segment, page) >= at and page <= ended.get(segment, sources.MAX_PAGES):
                        ready[(segment, page)] = result
                while at in ready:
                    result = ready.pop(at)
                    last = not result.has_next or at[1] >= min(ended.get(at[0], sources.MAX_PAGES), sources.MAX_PAGES)
                    yield at[0], at[1], result, last
                    at = (at[0] + 1, 1) if last else (at[0], at[1] + 1)
                    for key in [key for key in ready if key < at]:
                        del ready[key]
                self._renew_if_due()
        finally:
            self.stop.set()
            pool.shutdown(wait=False, cancel_futures=True)

    def _own_pages(
        self, source: sources.Source, position: Position
    ) -> Iterator[tuple[int, int, sources.FetchedPage, bool]]:
        """Pages of our own data (the audit log), read one after the other in this thread: no vendor to wait for,
        no slot or rate share to take, and the database connection stays this thread's."""
        segment, page = position.segment, position.page
        while segment < source.segments:
            result = source.fetch(segment, page)
            if result.page_count is not None and segment not in position.counts:
                position.counts[segment] = result.page_count
                if result.total is not None:
                    position.totals[segment] = result.total
            last = not result.has_next or page >= sources.MAX_PAGES
            yield segment, page, result, last
            segment, page = (segment + 1, 1) if last else (segment, page + 1)
            self._renew_if_due()

    # --- the run ------------------------------------------------------------------------------------------------
    def run(self) -> None:
        job = self.job
        try:
            source = sources.open_source(job)
        except sources.SourceUnavailable as error:
            self._fail(str(error), banner_reason=str(error), spool=None)
            return
        spool = Spool(spool_path(job.pk, self.token))
        position = Position.from_checkpoint(job.checkpoint or {})
        try:
            previous = job.checkpoint.get("spool") if position.length else None
            spool.take_over(Path(export_storage().path(previous)) if previous else None)
            seen = spool.resume_at(position.length)
        except SpoolLost:
            logger.warning("export %s: spool shorter than its checkpoint, starting over", job.pk)
            position, self.rows_written, self.pages_done = Position(), 0, 0
            seen = spool.resume_at(0)
        try:
            with closing(self._pages(source, position)) as pages:
                for segment, page, result, last_of_part in pages:
                    self._spool_page(spool, position, seen, segment, page, result, last_of_part, source.segments)
            self._finish(source, spool)
        except PageFailed as failure:
            self._fail(
                _failure_message(failure, self.rows_written), banner_reason=failure.error.user_message(), spool=spool
            )
        except (LeaseLost, Stopped):
            self._after_stop()

    def _spool_page(
        self,
        spool: Spool,
        position: Position,
        seen: set[str],
        segment: int,
        page: int,
        result: sources.FetchedPage,
        last_of_part: bool,
        segments: int,
    ) -> None:
        """Append a page's new rows, then save the checkpoint after it with the progress (under the lease)."""
        fresh = _unseen(result.rows, seen)
        position.length = spool.append(fresh)
        self.rows_written += len(fresh)
        self.pages_done += 1
        position.segment, position.page = (segment + 1, 1) if last_of_part else (segment, page + 1)
        self._save(
            checkpoint={**position.checkpoint(), "spool": f"spool/{spool.path.name}"},
            rows_written=self.rows_written,
            pages_done=self.pages_done,
            vendor_total=sum(position.totals.values()) if len(position.totals) == segments else None,
            pages_total=sum(position.counts.values()) if len(position.counts) == segments else None,
            progress_at=timezone.now(),
        )

    def _after_stop(self) -> None:
        status = ExportJob.objects.filter(pk=self.job.pk).values_list("status", flat=True).first()
        if status in (None, ExportStatus.CANCELLED):
            delete_spools(self.job.pk)
        logger.info("export %s: run stopped (%s)", self.job.pk, status or "deleted")

    def _write_file(self, source: sources.Source, spool: Spool, *, banner: str = "") -> tuple[str, int]:
        """The spool written out as the job's file through the export storage: (storage name, size)."""
        job = self.job
        zone = ZoneInfo(job.time_zone)
        temporary = work_dir() / f"{job.pk}-{self.token}.{job.format}"

        def cells() -> Iterator[list[str | None]]:
            # Writing a big file takes a while (the spool is read twice): the lease is renewed on the way, or
            # another consumer would take the job over as if this run had died.
            for count, (_key, row) in enumerate(spool.rows()):
                if count % 100 == 0:
                    self._renew_if_due()
                yield row

        try:
            if job.format == "csv":
                writers.write_csv(
                    temporary, columns=source.columns, rows=cells, zone=zone, zone_name=job.time_zone, banner=banner
                )
            else:
                writers.write_xlsx(
                    temporary,
                    columns=source.columns,
                    rows=cells,
                    zone=zone,
                    zone_name=job.time_zone,
                    sheet_title=str(ExportKind(job.kind).label),
                    banner=banner,
                    tmpdir=work_dir(),
                )
            storage = export_storage()
            with temporary.open("rb") as file:
                name = storage.save(f"files/{job.pk}/{uuid.uuid4().hex}.{job.format}", File(file))
            return name, storage.size(name)
        finally:
            temporary.unlink(missing_ok=True)

    def _finish(self, source: sources.Source, spool: Spool) -> None:
        name, size = self._write_file(source, spool)
        now = timezone.now()
        previous = ExportJob.objects.filter(pk=self.job.pk).values_list("file", flat=True).first()
        try:
            self._save(
                status=ExportStatus.DONE,
                file=name,
                file_name=naming.display_name(self.job),
                file_size=size,
                partial=False,
                error_message="",
                finished_at=now,
                expires_at=now + timedelta(days=settings.EXPORT_FILE_DAYS),
                checkpoint={},
                lease_token=NO_LEASE,
                lease_expires_at=None,
            )
        except LeaseLost:
            export_storage().delete(name)
            raise
        if previous:
            export_storage().delete(previous)  # an INCOMPLETE file of an earlier run, now complete
        delete_spools(self.job.pk)
        logger.info("export %s: done, %s rows, %s bytes", self.job.pk, self.rows_written, size)

    def _fail(self, message: str, *, banner_reason: str, spool: Spool | None) -> None:
        """The job failed: the message for the user and, when rows were spooled, a file of them marked INCOMPLETE."""
        job = self.job
        now = timezone.now()
        fields: dict[str, object] = {
            "status": ExportStatus.FAILED,
            "error_message": message,
            "finished_at": now,
            "lease_token": NO_LEASE,
            "lease_expires_at": None,
        }
        if spool is not None and self.rows_written:
            banner = _banner(self.rows_written, job, banner_reason)
            source = sources.open_source(job)
            name, size = self._write_file(source, spool, banner=banner)
            previous = job.file.name if job.file else ""
            fields.update(
                file=name,
                file_name=naming.display_name(job, partial=True),
                file_size=size,
                partial=True,
                expires_at=now + timedelta(days=settings.EXPORT_FILE_DAYS),
            )
            if previous:
                export_storage().delete(previous)
        if spool is None:
            delete_spools(job.pk)
        try:
            self._save(**fields)
        except LeaseLost:
            if "file" in fields:
                export_storage().delete(str(fields["file"]))
            return
        logger.warning("export %s failed: %s", job.pk, message)


def _unseen(rows: list[SpoolRow], seen: set[str]) -> list[SpoolRow]:
    fresh = []
    for key, cells in rows:
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        fresh.append((key, cells))
    return fresh


def _failure_message(failure: PageFailed, rows: int) -> str:
    reason = failure.error.user_message()
    if failure.attempts > 1:
        text = gettext("The export stopped: %(reason)s (page %(page)s, tried %(attempts)s times).") % {
            "reason": reason,
            "page": failure.page,
            "attempts": failure.attempts,
        }
    else:
        text = gettext("The export stopped: %(reason)s (page %(page)s).") % {"reason": reason, "page": failure.page}
    if rows:
        text += " " + gettext(
            "The %(rows)s rows exported before it are in a file marked INCOMPLETE; it is not the whole list."
        ) % {"rows": number_format(rows, force_grouping=True)}
    if failure.error.retryable:
        text += " " + gettext("Try again later: the export goes on from where it stopped.")
    return text


def _banner(rows: int, job: ExportJob, reason: str) -> str:
    total = ExportJob.objects.filter(pk=job.pk).values_list("vendor_total", flat=True).first()
    if total:
        counted = gettext("%(rows)s of %(total)s rows") % {
            "rows": number_format(rows, force_grouping=True),
            "total": number_format(total, force_grouping=True),
        }
    else:
        counted = gettext("%(rows)s rows, not all") % {"rows": number_format(rows, force_grouping=True)}
    return gettext("INCOMPLETE: this file holds %(counted)s. %(reason)s") % {"counted": counted, "reason": reason}


def run_job(job_id: int) -> None:
    """The task's body: claim the job and run it in its own language; nothing when another run holds it."""
    token = claim(job_id)
    if token is None:
        return
    job = ExportJob.objects.get(pk=job_id)
    with translation.override(job.language):
        try:
            JobRun(job, token).run()
        except Exception:
            # A fault of ours, not the vendor's: the job fails visibly rather than being resumed into it forever.
            logger.exception("export %s: unexpected error", job_id)
            ExportJob.objects.filter(pk=job_id, lease_token=token).update(
                status=ExportStatus.FAILED,
                error_message=gettext("An unexpected error stopped this export. Try again later, or tell an admin."),
                finished_at=timezone.now(),
                lease_token=NO_LEASE,
                lease_expires_at=None,
            )
