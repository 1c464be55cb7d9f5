"""Selectors of the list pages that span many members: balance rankings and the shop ledger."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from typing import Any

from connections.clients import connection_client
from connections.models import VendorConnection
from ledger.forms import day_end, day_start
from ledger.services.members import all_rows
from vendors.paging import distinct_records, pinned_to_now
from vendors.parsing import shanghai_format
from vendors.results import (
    Direction,
    LedgerQuery,
    MemberBalance,
    PointsTransaction,
    RankingField,
    RankingQuery,
    ResultPage,
)


# --- rankings ---------------------------------------------------------------------------------------------------
def ranking_query(data: Mapping[str, Any]) -> RankingQuery:
    """A RankingQuery from RankingsForm.cleaned_data."""
    return RankingQuery(
        sort_field=data.get("sort") or RankingField.TOTAL,
        descending=data.get("order", "desc") != "asc",
        member_ids=data.get("ids"),
        first_earned_start=day_start(data["start"]) if data.get("start") else None,
        first_earned_end=day_end(data["end"]) if data.get("end") else None,
        page=data.get("page") or 1,
        page_size=data.get("page_size") or 20,
    )


def _sort_value(balance: MemberBalance, field: RankingField) -> Decimal | None:
    return {RankingField.TOTAL: balance.total, RankingField.AVAILABLE: balance.available}.get(field, balance.frozen)


def _within_first_earned(balance: MemberBalance, query: RankingQuery) -> bool:
    if query.first_earned_start is None and query.first_earned_end is None:
        return True
    if balance.first_earned_at is None:
        return False
    if query.first_earned_start is not None and balance.first_earned_at < query.first_earned_start:
        return False
    return not (query.first_earned_end is not None and balance.first_earned_at > query.first_earned_end)


def _balances_of_ids(connection: VendorConnection, query: RankingQuery) -> list[MemberBalance]:
    """The pasted ids' balances, filtered and sorted here (balances_by_ids does neither); unknown values last."""
    client = connection_client(connection)
    balances = client.balances_by_ids(member_ids=list(query.member_ids or ()))
    found = [b for b in balances if _within_first_earned(b, query)]
    known = [b for b in found if _sort_value(b, query.sort_field) is not None]
    unknown = [b for b in found if _sort_value(b, query.sort_field) is None]
    known.sort(key=lambda b: (_sort_value(b, query.sort_field), b.member_id), reverse=query.descending)
    return known + unknown


def ranking_page(*, connection: VendorConnection, query: RankingQuery) -> ResultPage[MemberBalance]:
    """One page of the ranking; with pasted ids, their balances paged here."""
    if query.member_ids is not None:
        balances = _balances_of_ids(connection, query)
        start = (query.page - 1) * query.page_size
        return ResultPage(tuple(balances[start : start + query.page_size]), query.page, query.page_size, len(balances))
    return connection_client(connection).balance_ranking(query=query)


def ranking_rows(*, connection: VendorConnection, query: RankingQuery) -> Iterator[tuple[int, MemberBalance]]:
    """Every ranked balance with its rank, fetched a vendor page at a time."""
    if query.member_ids is not None:
        yield from enumerate(_balances_of_ids(connection, query), start=1)
        return
    client = connection_client(connection)
    rows = all_rows(
        lambda page_query: client.balance_ranking(query=page_query), query, page_size=client.profile.max_page_size
    )
    yield from enumerate(rows, start=1)


def ranking_csv_row(ranked: tuple[int, MemberBalance]) -> list[object]:
    rank, balance = ranked
    first = ""
    if balance.first_earned_at is not None:
        first = shanghai_format(balance.first_earned_at)
    return [
        rank,
        balance.member_id,
        balance.name,
        "" if balance.total is None else balance.total,
        "" if balance.available is None else balance.available,
        "" if balance.frozen is None else balance.frozen,
        first,
    ]


# --- shop ledger ------------------------------------------------------------------------------------------------
def ledger_query(data: Mapping[str, Any], *, direction: Direction | None = None) -> LedgerQuery:
    """A LedgerQuery from ShopLedgerForm.cleaned_data."""
    return LedgerQuery(
        start=data["start_at"],
        end=data["end_at"],
        direction=direction,
        type_code=data.get("type_code", "") or "",
        page=data.get("page") or 1,
        page_size=data.get("page_size") or 20,
        member_id=data.get("member_id", "") or "",
        mobile=data.get("mobile", "") or "",
    )


def ledger_page(*, connection: VendorConnection, query: LedgerQuery) -> ResultPage[PointsTransaction]:
    return connection_client(connection).shop_ledger(query=query)


def ledger_rows(*, connection: VendorConnection, query: LedgerQuery) -> Iterator[PointsTransaction]:
    """Every record of the ledger query, up to the moment the export starts and each once (vendors.paging)."""
    client = connection_client(connection)
    return distinct_records(
        all_rows(
            lambda page_query: client.shop_ledger(query=page_query),
            pinned_to_now(query),
            page_size=client.profile.max_page_size,
        )
    )


# --- totals of a period -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodTotals:
    """Points earned and redeemed (subtracted or frozen: every negative change) over rows that are all the
    period's rows; shown only then, since a sum of some of them would read as the period's."""

    earned: Decimal
    redeemed: Decimal

    @property
    def net(self) -> Decimal:
        with localcontext(TOTALS_CONTEXT):
            return self.earned - self.redeemed


# Wide enough that summing vendor numbers never rounds silently (the default context keeps 28 digits).
TOTALS_CONTEXT = Context(prec=120)


def period_totals(rows: Iterable[PointsTransaction]) -> PeriodTotals:
    earned, redeemed = Decimal(0), Decimal(0)
    with localcontext(TOTALS_CONTEXT):
        for row in rows:
            if not row.change.is_finite():
                continue
            if row.change > 0:
                earned += row.change
            else:
                redeemed -= row.change
    return PeriodTotals(earned=earned, redeemed=redeemed)


def holds_whole_period(page: ResultPage[Any]) -> bool:
    """Whether this page holds every row of its filters: the first page, with no other after it."""
    return page.page == 1 and not page.has_next and page.total is not None and page.total_exact


def page_totals(page: ResultPage[PointsTransaction] | None) -> PeriodTotals | None:
    """The period's totals when `page` holds the whole period, else None (the export has them)."""
    return period_totals(page.items) if page is not None and holds_whole_period(page) else None
