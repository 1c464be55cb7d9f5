"""The one place where exports meet the list pages (the ledger's and the audit log): their forms and selectors.

Two halves. When a job is created, the page's own form validates the filters on screen (exactly as the page did)
and they are saved with their dates resolved. When the job runs, the same form rebuilds the query from the saved
filters, and pages are read one by one through the ledger's selectors, so that the runner (exports/runner.py) can
fetch several at once, retry one, and resume after the last page it spooled.

A whole-month vendor (Xiaoe's flow.list answers one calendar month per call) is read month by month, each month
paged on its own: every call then asks the vendor for one page of one month, instead of walking the months again
for every page of the whole period (issue 14, item 3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext

from audit.forms import AuditFilterForm, selected_entries
from connections.clients import connection_client, connection_profile, connections_with, enabled_connection
from connections.models import VendorConnection
from exports.models import ExportJob, ExportKind
from exports.rows import (
    AUDIT_COLUMNS,
    RANKING_COLUMNS,
    TRANSACTION_COLUMNS,
    Column,
    SpoolRow,
    audit_row,
    ranking_row,
    transaction_row,
)
from ledger import forms
from ledger.services import listings, members
from vendors.parsing import SHANGHAI
from vendors.ratelimit import RateLimit
from vendors.results import Capability, HistoryQuery, RankingQuery

# Bounds a vendor that keeps saying "there is a next page".
MAX_PAGES = 10_000
# Audit entries read a page at a time from our own database (one query each).
AUDIT_PAGE_SIZE = 1000


# --- creating a job: the filters on screen, validated by the page's form ------------------------------------------
@dataclass(frozen=True)
class ExportRequest:
    """What a job exports, validated: saved on the ExportJob."""

    kind: ExportKind
    # None for the audit log exported without a vendor account filter.
    connection: VendorConnection | None
    filters: dict[str, str]
    member_id: str = ""
    period_start: datetime | None = None
    period_end: datetime | None = None


@dataclass(frozen=True)
class Refused:
    """Why these filters cannot be exported (the messages the page itself shows); `missing`: no such thing (404)."""

    errors: list[str]
    missing: bool = False


def _errors(form: Any) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


def _pinned_end(end: datetime) -> datetime:
    # "Up to today" means up to now: later records cannot slip into the vendor's pages mid-export.
    return min(end, timezone.now())


def _resolved_period(form: forms.HistoryFilterForm) -> dict[str, str]:
    """The history filters with a preset period replaced by its dates, so that a job resumed tomorrow still asks
    for the days the user saw."""
    data = form.cleaned_data
    start, end = data["start_at"].astimezone(SHANGHAI).date(), data["end_at"].astimezone(SHANGHAI).date()
    resolved = {"period": "custom", "start": start.isoformat(), "end": end.isoformat()}
    if "direction" in form.fields:
        resolved["direction"] = data.get("direction") or ""
    if "type_code" in form.fields:
        resolved["type_code"] = data.get("type_code") or ""
    return resolved


def member_export_request(*, connection_id: int, member_id: str, data: QueryDict) -> ExportRequest | Refused:
    vendor_member = members.vendor_member_at(connection_id=connection_id, identifier=member_id)
    if vendor_member is None:
        return Refused([gettext("This vendor cannot look that member up.")], missing=True)
    # The member page's own form (ledger.views.member_detail).
    form = forms.HistoryFilterForm(data, profile=vendor_member.profile)
    if not form.is_valid():
        return Refused(_errors(form))
    return ExportRequest(
        kind=ExportKind.MEMBER_HISTORY,
        connection=vendor_member.connection,
        member_id=vendor_member.member.value,
        filters=_resolved_period(form),
        period_start=form.cleaned_data["start_at"],
        period_end=_pinned_end(form.cleaned_data["end_at"]),
    )


def _choices(capability: Capability) -> tuple[list[VendorConnection], list[tuple[int, str]]]:
    connections = connections_with(capability)
    return connections, [(connection.pk, connection.name) for connection in connections]


def _wanted_connection(data: Mapping[str, Any], connections: list[VendorConnection]) -> VendorConnection | None:
    """The connection the page shows: the one asked for, else the first (as the pages choose)."""
    text = str(data.get("connection", ""))[:20]
    if not text:
        return connections[0] if connections else None
    return next((connection for connection in connections if str(connection.pk) == text), None)


def shop_ledger_export_request(*, data: QueryDict) -> ExportRequest | Refused:
    connections, choices = _choices(Capability.SHOP_LEDGER)
    connection = _wanted_connection(data, connections)
    if connection is None:
        return Refused([gettext("No connection offers this list.")])
    # The shop ledger page's own form (ledger.views.shop_ledger).
    form = forms.ShopLedgerForm(data, profile=connection_profile(connection), connection_choices=choices)
    if not form.is_valid():
        return Refused(_errors(form))
    filters = {
        **_resolved_period(form),
        "connection": str(connection.pk),
        "member_id": form.cleaned_data.get("member_id") or "",
        "mobile": form.cleaned_data.get("mobile") or "",
    }
    return ExportRequest(
        kind=ExportKind.SHOP_LEDGER,
        connection=connection,
        filters=filters,
        period_start=form.cleaned_data["start_at"],
        period_end=_pinned_end(form.cleaned_data["end_at"]),
    )


def rankings_export_request(*, data: QueryDict) -> ExportRequest | Refused:
    connections, choices = _choices(Capability.BALANCE_RANKING)
    connection = _wanted_connection(data, connections)
    if connection is None:
        return Refused([gettext("No connection offers this list.")])
    # The rankings page's own form (ledger.views.rankings).
    form = forms.RankingsForm(data, connection_choices=choices)
    form.setup_paging(connection_profile(connection).max_page_size)
    if not form.is_valid():
        return Refused(_errors(form))
    cleaned = form.cleaned_data
    filters = {
        "connection": str(connection.pk),
        "sort": cleaned["sort"].value,
        "order": cleaned["order"],
        "start": cleaned["start"].isoformat() if cleaned.get("start") else "",
        "end": cleaned["end"].isoformat() if cleaned.get("end") else "",
        "ids": "\n".join(cleaned["ids"]) if cleaned.get("ids") else "",
    }
    return ExportRequest(kind=ExportKind.RANKINGS, connection=connection, filters=filters)


def audit_log_export_request(*, data: QueryDict) -> ExportRequest | Refused:
    """The audit log's filters on screen, validated by the page's own form. The page names a filter that is not
    valid and ignores it; a file says nothing, so here such filters are refused with the page's messages."""
    form = AuditFilterForm(data)
    if not form.is_valid():
        return Refused(_errors(form))
    cleaned = form.cleaned_data
    start, end = cleaned.get("start"), cleaned.get("end")
    user, connection = cleaned.get("user"), cleaned.get("connection")
    filters = {
        "start": start.isoformat() if start else "",
        "end": end.isoformat() if end else "",
        "user": str(user.pk) if user else "",
        "action": cleaned.get("action") or "",
        "target": cleaned.get("target") or "",
        "connection": str(connection.pk) if connection else "",
    }
    zone = timezone.get_current_timezone()
    # Entries written while the job runs (its own "export started" among them) are not part of it.
    period_end = timezone.now()
    if end is not None:
        period_end = min(period_end, datetime.combine(end, time.max, tzinfo=zone))
    return ExportRequest(
        kind=ExportKind.AUDIT_LOG,
        connection=connection,
        filters=filters,
        period_start=datetime.combine(start, time.min, tzinfo=zone) if start else None,
        period_end=period_end,
    )


# --- running a job: the saved filters rebuilt into queries, read a page at a time ---------------------------------
class SourceUnavailable(Exception):
    """The job can no longer be read (its connection was deleted or disabled, the saved filters no longer hold)."""


@dataclass(frozen=True)
class FetchedPage:
    rows: list[SpoolRow]
    # Rows the vendor reports for this part of the export, when it says and its count agrees with its pages.
    total: int | None
    # Pages of this part, known from the first one (None: page on while pages come back full).
    page_count: int | None
    has_next: bool


@dataclass(frozen=True)
class Source:
    """The export of one job: its columns, its parts (one, or one per calendar month) and how to read a page."""

    columns: tuple[Column, ...]
    segments: int
    fetch: Callable[[int, int], FetchedPage]  # (part, page number from 1) → the page
    rate_limit: RateLimit | None  # the vendor's own limit, which exports may use only a share of
    rate_scope: str
    # False for our own data (the audit log): its pages take no vendor slot.
    vendor_calls: bool = True


def _form_data(filters: Mapping[str, str]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in filters.items():
        data[name] = value
    return data


def _rebuilt_form(form: Any) -> Any:
    if not form.is_valid():
        raise SourceUnavailable("; ".join(_errors(form)))
    return form


def _job_connection(job: ExportJob, capability: Capability) -> VendorConnection:
    connection = enabled_connection(job.connection_id) if job.connection_id else None
    profile = connection_profile(connection) if connection is not None else None
    if connection is None or profile is None or not profile.supports(capability):
        raise SourceUnavailable(gettext("The connection of this export was deleted or disabled."))
    return connection


def _month_starts(start: datetime, end: datetime) -> list[datetime]:
    """The first instant of every calendar month (Asia/Shanghai) that [start, end] touches, newest first."""
    first = start.astimezone(SHANGHAI).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    months, current = [], first
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months[::-1]


def _segments(query: HistoryQuery, whole_months: bool) -> list[HistoryQuery]:
    if not whole_months or query.start is None or query.end is None:
        return [query]
    parts = []
    for month in _month_starts(query.start, query.end):
        next_month = (month + timedelta(days=32)).replace(day=1)
        parts.append(replace(query, start=max(query.start, month), end=min(query.end, next_month - timedelta(0, 1))))
    return parts


def _page(result: Any, rows: list[SpoolRow], page_size: int) -> FetchedPage:
    exact = result.total is not None and result.total_exact
    # A total that disagrees with the pages is no guide to where they end: a full page is followed by another.
    has_next = bool(result.items) and (result.has_next or (not exact and len(result.items) >= page_size))
    return FetchedPage(
        rows=rows,
        total=result.total if exact else None,
        page_count=result.page_count if exact else None,
        has_next=has_next,
    )


def _within(query: HistoryQuery) -> Callable[[Any], bool]:
    # A whole-month vendor answers whole months: rows outside the dates asked are not part of the export.
    return lambda item: (
        (query.start is None or item.occurred_at >= query.start)
        and (query.end is None or item.occurred_at <= query.end)
    )


def _history_source(job: ExportJob, capability: Capability) -> Source:
    connection = _job_connection(job, capability)
    data = _form_data(job.filters)
    vendor_member = None
    if job.kind == ExportKind.MEMBER_HISTORY:
        vendor_member = members.vendor_member_at(connection_id=connection.pk, identifier=job.member_id)
        if vendor_member is None:
            raise SourceUnavailable(gettext("This vendor cannot look that member up."))
        client, profile = vendor_member.client, vendor_member.profile
        base: HistoryQuery = _rebuilt_form(forms.HistoryFilterForm(data, profile=profile)).to_query()
    else:
        client = connection_client(connection)
        profile = client.profile
        _connections, choices = _choices(Capability.SHOP_LEDGER)
        form = forms.ShopLedgerForm(data, profile=profile, connection_choices=choices)
        base = _rebuilt_form(form).to_query()
    base = replace(base, start=job.period_start, end=job.period_end, page=1, page_size=profile.max_page_size)
    parts = _segments(base, profile.history_whole_months)

    def fetch(segment: int, number: int) -> FetchedPage:
        query = replace(parts[segment], page=number)
        if vendor_member is not None:
            result = vendor_member.client.member_history(member=vendor_member.member, query=query)
        else:
            result = listings.ledger_page(connection=connection, query=query)
        keep = _within(query)
        return _page(result, [transaction_row(item) for item in result.items if keep(item)], query.page_size)

    return Source(TRANSACTION_COLUMNS, len(parts), fetch, getattr(client, "rate_limit", None), _rate_scope(client))


def _rate_scope(client: Any) -> str:
    scope = getattr(client, "rate_limit_scope", None)
    return scope() if callable(scope) else f"{client.vendor}:{client.config.id}"


def _rankings_source(job: ExportJob) -> Source:
    connection = _job_connection(job, Capability.BALANCE_RANKING)
    client = connection_client(connection)
    _connections, choices = _choices(Capability.BALANCE_RANKING)
    form = forms.RankingsForm(_form_data(job.filters), connection_choices=choices)
    form.setup_paging(client.profile.max_page_size)
    query: RankingQuery = replace(_rebuilt_form(form).to_query(), page=1, page_size=client.profile.max_page_size)

    def fetch(segment: int, number: int) -> FetchedPage:
        if query.member_ids is not None:
            # Pasted ids: their balances come in one list, sorted by the selector.
            ranked = listings.balances_of_ids(connection=connection, query=query)
            return FetchedPage([ranking_row(balance) for balance in ranked], len(ranked), 1, False)
        result = listings.ranking_page(connection=connection, query=replace(query, page=number))
        return _page(result, [ranking_row(balance) for balance in result.items], query.page_size)

    return Source(RANKING_COLUMNS, 1, fetch, getattr(client, "rate_limit", None), _rate_scope(client))


def _audit_source(job: ExportJob) -> Source:
    """The audit log from our database: the page's form rebuilt from the saved filters, the page's query, up to the
    moment the job was made. No vendor is asked anything."""
    form = _rebuilt_form(AuditFilterForm(_form_data(job.filters)))
    zone = ZoneInfo(job.time_zone)

    def fetch(segment: int, number: int) -> FetchedPage:
        # The dates are days where the user was, as on the page.
        with timezone.override(zone):
            entries = selected_entries(form)
            if job.period_end is not None:
                entries = entries.filter(created_at__lte=job.period_end)
            total = entries.count()
            offset = (number - 1) * AUDIT_PAGE_SIZE
            page = list(entries[offset : offset + AUDIT_PAGE_SIZE])
        page_count = max(1, -(-total // AUDIT_PAGE_SIZE))
        return FetchedPage([audit_row(entry) for entry in page], total, page_count, number < page_count)

    return Source(AUDIT_COLUMNS, 1, fetch, None, "audit", vendor_calls=False)


def open_source(job: ExportJob) -> Source:
    """The job's export, rebuilt from its saved filters; raises SourceUnavailable when that is no longer possible."""
    if job.kind == ExportKind.AUDIT_LOG:
        return _audit_source(job)
    if job.kind == ExportKind.RANKINGS:
        return _rankings_source(job)
    capability = Capability.MEMBER_HISTORY if job.kind == ExportKind.MEMBER_HISTORY else Capability.SHOP_LEDGER
    return _history_source(job, capability)
