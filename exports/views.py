"""Export pages: starting a job from a list page's export button, the job's page with its progress, the download
centre ("My exports"), cancel, retry and the download itself."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.decorators import shows_member_data
from audit.records import mask_mobile
from exports import services, sources
from exports.models import ExportFormat, ExportJob, ExportKind, ExportStatus, export_storage
from exports.naming import content_disposition
from pointsadmin import roles

CONTENT_TYPES = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}


# --- starting a job ---------------------------------------------------------------------------------------------
def _start(request: HttpRequest, outcome: sources.ExportRequest | sources.Refused) -> HttpResponse:
    if isinstance(outcome, sources.Refused):
        if outcome.missing:
            raise Http404(outcome.errors[0])
        return render(request, "ledger/export_error.html", {"errors": outcome.errors}, status=400)
    job = services.create_job(user=request.user, request=outcome, file_format=request.POST.get("format", ""))
    # A small export is often done within a second or two: then the button leads straight to the file.
    deadline = time.monotonic() + settings.EXPORT_QUICK_SECONDS
    while True:
        job.refresh_from_db(fields=["status"])
        if job.status == ExportStatus.DONE:
            return redirect("exports:download", job.pk)
        if job.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING) or time.monotonic() >= deadline:
            return redirect("exports:detail", job.pk)
        time.sleep(0.2)


def _back_to(url_name: str, request: HttpRequest, *args: object) -> HttpResponse:
    """An old export link (a GET): the page it came from, with its filters, where the export button is."""
    query = urlencode([(key, value) for key, values in request.GET.lists() for value in values][:50])
    return redirect(reverse(url_name, args=args) + (f"?{query}" if query else ""))


@shows_member_data
@require_http_methods(["GET", "POST"])
@permission_required(roles.PERM_EXPORT, raise_exception=True)
def member_export(request: HttpRequest, connection_id: int, member_id: str) -> HttpResponse:
    if request.method == "GET":
        return _back_to("ledger:member_detail", request, connection_id, member_id)
    # The filters are the page's query (the form's action keeps it); the format is the button pressed.
    return _start(
        request, sources.member_export_request(connection_id=connection_id, member_id=member_id, data=request.GET)
    )


@shows_member_data
@require_http_methods(["GET", "POST"])
@permission_required(roles.PERM_EXPORT, raise_exception=True)
def rankings_export(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _back_to("ledger:rankings", request)
    return _start(request, sources.rankings_export_request(data=request.GET))


@shows_member_data
@require_http_methods(["GET", "POST"])
@permission_required(roles.PERM_EXPORT, raise_exception=True)
@permission_required(roles.PERM_VIEW_SHOP_LEDGER, raise_exception=True)
def shop_ledger_export(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _back_to("ledger:shop_ledger", request)
    return _start(request, sources.shop_ledger_export_request(data=request.GET))


@shows_member_data
@require_http_methods(["GET", "POST"])
@permission_required(roles.PERM_VIEW_AUDIT, raise_exception=True)
@permission_required(roles.PERM_EXPORT, raise_exception=True)
def audit_log_export(request: HttpRequest) -> HttpResponse:
    """The audit log's button: the entries its filters select (the targets are members' ids and masked mobiles)."""
    if request.method == "GET":
        return _back_to("audit_log", request)
    return _start(request, sources.audit_log_export_request(data=request.GET))


# --- a job's page -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    rows: int
    total: int | None
    percent: int | None
    seconds_left: int | None


def progress(job: ExportJob) -> Progress:
    total = job.vendor_total
    percent = min(100, job.rows_written * 100 // total) if total else None
    seconds_left = None
    if total and job.progress_at and job.resumed_at and job.rows_written < total:
        elapsed = (job.progress_at - job.resumed_at).total_seconds()
        done = job.rows_written - job.rows_at_resume
        if elapsed > 0 and done > 0:
            seconds_left = max(1, round((total - job.rows_written) * elapsed / done))
    return Progress(job.rows_written, total, percent, seconds_left)


def describe(job: ExportJob) -> list[str]:
    """What the job exports, as the job's page and the list say it: kind, connection, member, period, format."""
    parts = [str(ExportKind(job.kind).label), job.connection_name]
    if job.member_id:
        parts.append(mask_mobile(job.member_id))
    if job.period_start and job.period_end:
        start, end = timezone.localtime(job.period_start), timezone.localtime(job.period_end)
        parts.append(f"{start:%Y-%m-%d} \u2013 {end:%Y-%m-%d}")
    parts.append(str(ExportFormat(job.format).label))
    return [part for part in parts if part]


def _job_for(request: HttpRequest, pk: int) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.select_related("owner", "connection"), pk=pk)
    if not services.may_handle(request.user, job):
        raise PermissionDenied
    return job


def _wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


@require_GET
@permission_required(roles.PERM_EXPORT, raise_exception=True)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    context: dict[str, Any] = {
        "job": job,
        "progress": progress(job),
        "description": describe(job),
        "nav_section": "exports",
    }
    template = "exports/job_detail.html"
    response = render(request, f"{template}#job-progress" if _wants_partial(request) else template, context)
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(roles.PERM_EXPORT, raise_exception=True)
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    services.cancel_job(user=request.user, job=_job_for(request, pk))
    return redirect("exports:detail", pk)


@require_POST
@permission_required(roles.PERM_EXPORT, raise_exception=True)
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    services.retry_job(job=_job_for(request, pk))
    return redirect("exports:detail", pk)


@shows_member_data
@require_GET
@permission_required(roles.PERM_EXPORT, raise_exception=True)
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    if not job.downloadable:
        raise Http404("This export has no file (yet, or any more).")
    try:
        handle = export_storage().open(job.file.name, "rb")
    except FileNotFoundError:
        raise Http404("This export's file is gone.") from None
    services.record_download(user=request.user, job=job)
    response = FileResponse(handle, content_type=CONTENT_TYPES[ExportFormat(job.format)])
    response["Content-Disposition"] = content_disposition(job)
    response["Cache-Control"] = "no-store"
    return response


# --- the download centre --------------------------------------------------------------------------------------------
@require_GET
@permission_required(roles.PERM_EXPORT, raise_exception=True)
def job_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(services.visible_jobs(request.user), 50)
    page = paginator.get_page(request.GET.get("page", "1")[:10])
    context = {
        "page": page,
        "rows": [(job, describe(job)) for job in page.object_list],
        "everyone": services.sees_every_export(request.user),
        "file_days": settings.EXPORT_FILE_DAYS,
        "nav_section": "exports",
    }
    response = render(request, "exports/job_list.html", context)
    response["Cache-Control"] = "no-store"
    return response
