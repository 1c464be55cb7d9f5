"""Selectors of the list pages that span many members: balance rankings and the shop ledger."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from operator import attrgetter
from typing import Any

from connections.clients import connection_client
from connections.models import VendorConnection
from vendors.results import LedgerQuery, MemberBalance, PointsTransaction, RankingQuery, ResultPage


def _within_first_earned(balance: MemberBalance, query: RankingQuery) -> bool:
    start, end, earned = query.first_earned_start, query.first_earned_end, balance.first_earned_at
    if start is None and end is None:
        return True
    return earned is not None and (start is None or earned >= start) and (end is None or earned <= end)


def balances_of_ids(*, connection: VendorConnection, query: RankingQuery) -> list[MemberBalance]:
    """The pasted ids' balances, filtered and sorted here (balances_by_ids does neither); unknown values last."""
    value = attrgetter(query.sort_field.value)  # a RankingField is named after its MemberBalance attribute
    balances = connection_client(connection).balances_by_ids(member_ids=list(query.member_ids or ()))
    found = [b for b in balances if _within_first_earned(b, query)]
    known = sorted(
        (b for b in found if value(b) is not None), key=lambda b: (value(b), b.member_id), reverse=query.descending
    )
    return known + [b for b in found if value(b) is None]


def ranking_page(*, connection: VendorConnection, query: RankingQuery) -> ResultPage[MemberBalance]:
    """One page of the ranking; with pasted ids, their balances paged here."""
    if query.member_ids is not None:
        balances = balances_of_ids(connection=connection, query=query)
        start = (query.page - 1) * query.page_size
        return ResultPage(tuple(balances[start : start + query.page_size]), query.page, query.page_size, len(balances))
    return connection_client(connection).balance_ranking(query=query)


def ledger_page(*, connection: VendorConnection, query: LedgerQuery) -> ResultPage[PointsTransaction]:
    return connection_client(connection).shop_ledger(query=query)


@dataclass(frozen=True)
class PeriodTotals:
    """Points earned and redeemed (subtracted or frozen: every negative change) over rows that are all the
    period's rows; shown only then, since a sum of some of them would read as the period's."""

    earned: Decimal
    redeemed: Decimal
    net: Decimal


def period_totals(rows: Iterable[PointsTransaction]) -> PeriodTotals:
    changes = [row.change for row in rows if row.change.is_finite()]
    # Wide enough that summing vendor numbers never rounds silently (the default context keeps 28 digits).
    with localcontext(Context(prec=120)):
        earned = sum((change for change in changes if change > 0), Decimal(0))
        redeemed = -sum((change for change in changes if change <= 0), Decimal(0))
        return PeriodTotals(earned=earned, redeemed=redeemed, net=earned - redeemed)


def holds_whole_period(page: ResultPage[Any]) -> bool:
    """Whether this page holds every row of its filters: the first page, with no other after it."""
    return page.page == 1 and not page.has_next and page.total is not None and page.total_exact


def page_totals(page: ResultPage[PointsTransaction] | None) -> PeriodTotals | None:
    """The period's totals when `page` holds the whole period, else None (the export has them)."""
    return period_totals(page.items) if page is not None and holds_whole_period(page) else None
