"""Creating, cancelling, retrying and expiring export jobs, and who may see which."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation

from audit.models import AuditAction
from audit.records import audit_record
from exports.models import ACTIVE_STATUSES, NO_LEASE, ExportFormat, ExportJob, ExportKind, ExportStatus, export_storage
from exports.runner import delete_spools, spool_dir
from exports.sources import ExportRequest
from pointsadmin import roles

logger = logging.getLogger(__name__)

# A queued job nobody claimed for this long lost its task (a queue emptied, a consumer gone): it is queued again.
UNCLAIMED_SECONDS = 60


def sees_every_export(user: Any) -> bool:
    """Admins see (and may download or cancel) everyone's exports; the audit log shows them all anyway."""
    return user.has_perm(roles.PERM_VIEW_AUDIT)


def visible_jobs(user: Any) -> QuerySet[ExportJob]:
    jobs = ExportJob.objects.select_related("owner")
    # An audit log export is for whoever may read the audit log: not for its owner once that right is gone.
    return jobs if sees_every_export(user) else jobs.filter(owner=user).exclude(kind=ExportKind.AUDIT_LOG)


def may_handle(user: Any, job: ExportJob) -> bool:
    if job.kind == ExportKind.AUDIT_LOG and not user.has_perm(roles.PERM_VIEW_AUDIT):
        return False
    return job.owner_id == user.pk or sees_every_export(user)


def _enqueue(job_id: int, *, delay: float = 0) -> None:
    from exports.tasks import run_export

    if delay > 0:
        run_export.schedule(args=(job_id,), delay=delay)
    else:
        run_export(job_id)


def create_job(*, user: Any, request: ExportRequest, file_format: str) -> ExportJob:
    """A queued job for `request`, audited; its task is queued once the job is committed (the consumer reads it)."""
    job = ExportJob.objects.create(
        owner=user,
        owner_name=user.get_username(),
        kind=request.kind,
        connection=request.connection,
        connection_name=request.connection.name if request.connection is not None else "",
        member_id=request.member_id,
        filters=request.filters,
        period_start=request.period_start,
        period_end=request.period_end,
        format=file_format if file_format in ExportFormat.values else ExportFormat.XLSX,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        time_zone=timezone.get_current_timezone_name(),
    )
    details: dict[str, Any] = {"job": job.pk, "what": job.kind, "format": job.format}
    if job.period_start is not None and job.period_end is not None:
        details |= {"start": job.period_start.isoformat(), "end": job.period_end.isoformat()}
    audit_record(
        user=user,
        action=AuditAction.EXPORT_CREATED,
        target=request.member_id or request.filters.get("member_id", "") or request.filters.get("mobile", ""),
        connection=request.connection,
        details=details,
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def cancel_job(*, user: Any, job: ExportJob) -> bool:
    """Cancel a queued or running job (a running one stops at its next page); False when it had already ended."""
    cancelled = ExportJob.objects.filter(pk=job.pk, status__in=ACTIVE_STATUSES).update(
        status=ExportStatus.CANCELLED, finished_at=timezone.now(), lease_token=NO_LEASE, lease_expires_at=None
    )
    if cancelled:
        audit_record(
            user=user,
            action=AuditAction.EXPORT_CANCELLED,
            target=job.member_id,
            connection=job.connection,
            details={"job": job.pk, "rows": job.rows_written},
        )
        if job.status == ExportStatus.QUEUED:
            delete_spools(job.pk)
    return bool(cancelled)


def retry_job(*, job: ExportJob) -> bool:
    """Queue a failed job again: it resumes from its checkpoint. False when it had not failed."""
    retried = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.FAILED).update(
        status=ExportStatus.QUEUED, error_message="", finished_at=None
    )
    if retried:
        transaction.on_commit(lambda: _enqueue(job.pk))
    return bool(retried)


def record_download(*, user: Any, job: ExportJob) -> None:
    ExportJob.objects.filter(pk=job.pk).update(download_count=job.download_count + 1)
    audit_record(
        user=user,
        action=AuditAction.EXPORT_DOWNLOADED,
        target=job.member_id,
        connection=job.connection,
        details={"job": job.pk, "rows": job.rows_written, "partial": job.partial, "owner": job.owner_name},
    )


def requeue_stalled(*, starting: bool = False) -> int:
    """Queue again the jobs whose run died: running with an expired lease, or queued and never claimed. When a
    consumer starts (`starting`), jobs whose lease has yet to run out are queued for the moment it does: their
    consumer may be the one that was just restarted. Claiming is atomic, so a job queued twice still runs once."""
    now = timezone.now()
    stalled = ExportJob.objects.filter(
        Q(status=ExportStatus.RUNNING, lease_expires_at__lt=now)
        | Q(status=ExportStatus.QUEUED, lease_token=NO_LEASE, created_at__lt=now - timedelta(seconds=UNCLAIMED_SECONDS))
    )
    count = 0
    for job_id in stalled.values_list("pk", flat=True):
        _enqueue(job_id)
        count += 1
    if starting:
        for job_id, expires in ExportJob.objects.filter(
            status=ExportStatus.RUNNING, lease_expires_at__gte=now
        ).values_list("pk", "lease_expires_at"):
            _enqueue(job_id, delay=(expires - now).total_seconds() + 1)
            count += 1
    if count:
        logger.info("exports: %s stalled jobs queued again", count)
    return count


def expire_files() -> int:
    """Delete the files (and spools) of jobs past their expiry and mark the jobs expired."""
    now = timezone.now()
    storage = export_storage()
    count = 0
    for job in ExportJob.objects.filter(expires_at__lt=now).exclude(status=ExportStatus.EXPIRED):
        if job.file:
            storage.delete(job.file.name)
        delete_spools(job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.EXPIRED,
            file="",
            file_size=None,
            checkpoint={},
            lease_token=NO_LEASE,
            lease_expires_at=None,
        )
        count += 1
    # Spools are kept only while a job may still go on (running, queued, or failed and so retryable): others are
    # left over from cancelled jobs and from runs that stopped half-way.
    resumable = set(
        ExportJob.objects.filter(
            status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING, ExportStatus.FAILED)
        ).values_list("pk", flat=True)
    )
    for path in spool_dir().glob("*.jsonl"):
        job_id = path.name.split("-", 1)[0]
        if not job_id.isdigit() or int(job_id) not in resumable:
            path.unlink(missing_ok=True)
    if count:
        logger.info("exports: %s expired files deleted", count)
    return count
