"""File names that say what a file holds (`积分流水-精斗云·上海旗舰店-20261101-20261130.xlsx`), and the header that
sends them: RFC 5987's `filename*` in UTF-8 with a plain-ASCII `filename` for clients that read only that."""

from __future__ import annotations

import re
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

from audit.records import mask_mobile
from exports.models import ExportJob, ExportKind

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
ASCII_KINDS = {
    ExportKind.MEMBER_HISTORY: "member-history",
    ExportKind.RANKINGS: "rankings",
    ExportKind.SHOP_LEDGER: "points-ledger",
    ExportKind.AUDIT_LOG: "audit-log",
}


def _days(job: ExportJob) -> list[str]:
    zone = ZoneInfo(job.time_zone)
    if job.kind == ExportKind.AUDIT_LOG:
        # The days filtered on (up to the day it was made when no end was given); only that day without any.
        start, end = job.filters.get("start", ""), job.filters.get("end", "")
        last = end.replace("-", "") if end else job.created_at.astimezone(zone).strftime("%Y%m%d")
        return [start.replace("-", ""), last] if start else [last]
    if job.kind == ExportKind.RANKINGS or job.period_start is None or job.period_end is None:
        return [job.created_at.astimezone(zone).strftime("%Y%m%d")]
    return [job.period_start.astimezone(zone).strftime("%Y%m%d"), job.period_end.astimezone(zone).strftime("%Y%m%d")]


def _member(job: ExportJob) -> str:
    # A member page may be a mobile number's: never in a file name unmasked.
    return mask_mobile(job.member_id) if job.member_id else ""


def display_name(job: ExportJob, *, partial: bool = False) -> str:
    """The file's name in the active language (the job's)."""
    parts = [str(ExportKind(job.kind).label), _member(job), job.connection_name, *_days(job)]
    if partial:
        parts.insert(0, gettext("INCOMPLETE"))
    stem = _UNSAFE.sub("_", "-".join(part.strip() for part in parts if part.strip()))
    return f"{stem[:150]}.{job.format}"


def ascii_name(job: ExportJob, *, partial: bool = False) -> str:
    member = _member(job)
    parts = [ASCII_KINDS[ExportKind(job.kind)], str(job.connection_id or "")]
    if member and not _NOT_ASCII_SAFE.search(member):
        parts.append(member)
    parts += _days(job)
    if partial:
        parts.insert(0, "incomplete")
    return "-".join(part for part in parts if part)[:150] + f".{job.format}"


def content_disposition(job: ExportJob) -> str:
    name = job.file_name or display_name(job, partial=job.partial)
    return f"attachment; filename=\"{ascii_name(job, partial=job.partial)}\"; filename*=UTF-8''{quote(name, safe='')}"
