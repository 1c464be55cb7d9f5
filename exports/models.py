"""Export jobs: one file a user asked for, built in the background from a list page's filters (exports/runner.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _


def export_storage() -> Storage:
    """The private storage of export files (settings.STORAGES["exports"]): never served as static or media."""
    return storages["exports"]


class ExportKind(models.TextChoices):
    MEMBER_HISTORY = "member_history", _("Member points transactions")
    RANKINGS = "rankings", _("Points rankings")
    SHOP_LEDGER = "shop_ledger", _("Points transactions")
    # Our own audit log (issue 18): read from our database, never from a vendor.
    AUDIT_LOG = "audit_log", _("Audit log")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel (.xlsx)")
    CSV = "csv", _("CSV")


# The lease of a job no run holds (ExportJob.lease_token).
NO_LEASE = ""


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


ACTIVE_STATUSES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class ExportJob(models.Model):
    """What was asked (kind, connection, the page's own validated filters, format, language and time zone), how far
    the job got (status, rows, the vendor's total, pages, a checkpoint to resume from), and the file it made."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the list still says who after the user is deleted.
    owner_name = models.CharField(_("username"), max_length=150, blank=True)
    kind = models.CharField(_("what"), max_length=20, choices=ExportKind.choices)
    connection = models.ForeignKey(
        "connections.VendorConnection",
        verbose_name=_("connection"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    connection_name = models.CharField(_("connection"), max_length=100, blank=True)
    # The member of a member export ("" for lists of many members).
    member_id = models.CharField(_("member"), max_length=100, blank=True)
    # The page's form data as validated, dates resolved (a preset period becomes its dates on the day it was asked).
    filters = models.JSONField(_("filters"), default=dict)
    # The period exported, its end pinned to the moment the job was created: records arriving during the export
    # cannot shift the vendor's pages.
    period_start = models.DateTimeField(_("from"), null=True, blank=True)
    period_end = models.DateTimeField(_("to"), null=True, blank=True)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices, default=ExportFormat.XLSX)
    language = models.CharField(_("language"), max_length=16)
    time_zone = models.CharField(_("time zone"), max_length=64)

    status = models.CharField(
        _("status"), max_length=12, choices=ExportStatus.choices, default=ExportStatus.QUEUED, db_index=True
    )
    rows_written = models.PositiveIntegerField(_("rows"), default=0)
    vendor_total = models.PositiveIntegerField(_("vendor's total"), null=True, blank=True)
    pages_done = models.PositiveIntegerField(_("pages done"), default=0)
    pages_total = models.PositiveIntegerField(_("pages in all"), null=True, blank=True)
    # Shown to the user, in the job's language: why it failed.
    error_message = models.TextField(_("error"), blank=True)
    # True when the file holds only the rows written before the job failed (it says so inside and in its name).
    partial = models.BooleanField(_("partial"), default=False)

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # When rows_written was last counted from this run (with rows_at_resume: the speed behind the estimate).
    progress_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    rows_at_resume = models.PositiveIntegerField(default=0)

    file = models.FileField(_("file"), storage=export_storage, max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, db_index=True)
    download_count = models.PositiveIntegerField(_("downloads"), default=0)

    # Where a resumed run starts: the spool's length and the next page (exports/runner.py).
    checkpoint = models.JSONField(default=dict, blank=True)
    # The run that holds the job: another consumer takes it over only once the lease has run out.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("runs"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"export {self.pk} ({self.kind}, {self.status})"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def downloadable(self) -> bool:
        return bool(self.file) and self.status in (ExportStatus.DONE, ExportStatus.FAILED)
