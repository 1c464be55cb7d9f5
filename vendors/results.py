"""The normalised vocabulary every vendor client returns. Frozen dataclasses; points are Decimal,
times are aware datetimes. `raw` keeps the vendor's own row for the Admin-only raw view."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from django.utils import timezone

from vendors.exceptions import VendorError


class Capability(StrEnum):
    MEMBER_BALANCE = "member_balance"  # one member's balance
    MEMBER_HISTORY = "member_history"  # one member's points records
    BALANCE_RANKING = "balance_ranking"  # all members' balances, sortable (rankings page)
    BALANCES_BY_IDS = "balances_by_ids"  # balances for a list of member ids
    SHOP_LEDGER = "shop_ledger"  # records without a member filter (shop ledger page)


class LookupKind(StrEnum):  # what an identifier typed into the search box is taken to be, at one vendor
    OPENID = "openid"
    USER_ID = "user_id"
    MEMBER_ID = "member_id"
    MOBILE = "mobile"


class Direction(StrEnum):
    ADD = "add"
    SUBTRACT = "subtract"
    FREEZE = "freeze"


class RankingField(StrEnum):
    TOTAL = "total"
    AVAILABLE = "available"
    FROZEN = "frozen"


@dataclass(frozen=True)
class ConnectionConfig:
    id: int
    vendor: str
    base_url: str
    credentials: Mapping[str, str] = field(repr=False)
    timeout: float = 10.0


@dataclass(frozen=True)
class MemberRef:
    kind: LookupKind
    value: str


@dataclass(frozen=True)
class MemberBalance:
    connection_id: int
    member_id: str
    total: Decimal | None
    available: Decimal | None
    frozen: Decimal | None
    as_of: datetime | None
    name: str = ""
    mobile: str = ""
    first_earned_at: datetime | None = None
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class PointsTransaction:
    connection_id: int
    record_id: str
    member_id: str
    occurred_at: datetime
    change: Decimal  # signed: negative for a subtraction
    direction: Direction
    balance_before: Decimal | None = None
    balance_after: Decimal | None = None
    type_code: str = ""
    type_name: str = ""
    description: str = ""
    member_name: str = ""
    mobile: str = ""
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class HistoryQuery:
    start: datetime | None = None  # aware
    end: datetime | None = None  # aware, inclusive
    direction: Direction | None = None
    type_code: str = ""
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class LedgerQuery(HistoryQuery):  # the shop ledger
    member_id: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class RankingQuery:
    sort_field: RankingField = RankingField.TOTAL
    descending: bool = True
    member_ids: tuple[str, ...] | None = None  # None = every member; () = nobody
    first_earned_start: datetime | None = None
    first_earned_end: datetime | None = None
    page: int = 1
    page_size: int = 20


T = TypeVar("T")


@dataclass(frozen=True)
class ResultPage(Generic[T]):
    items: tuple[T, ...]
    page: int
    page_size: int
    total: int | None
    # False when the vendor's total is missing or disagrees with what it returned.
    total_exact: bool = True

    @property
    def page_count(self) -> int | None:
        return None if self.total is None else max(1, math.ceil(self.total / self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def beyond_last_page(self) -> bool:
        """An empty page past the last one (a hand-edited or old link): not "nothing matches"."""
        return not self.items and bool(self.total) and self.page_count is not None and self.page > self.page_count

    @property
    def previous_page(self) -> int:
        # From beyond the end, "previous" is the last page there is, not page - 1.
        return self.page_count if self.beyond_last_page and self.page_count else max(1, self.page - 1)

    @property
    def has_next(self) -> bool:
        return len(self.items) >= self.page_size if self.page_count is None else self.page < self.page_count


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one vendor call gave: a value, or the VendorError that explains why not."""

    value: T | None = None
    error: VendorError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class MemberSummary:
    """A member's balance and a page of their history, each with its own outcome (one may fail, the other show);
    `history` is None when not asked for (no query, or no history at this vendor)."""

    balance: Outcome[MemberBalance | None]
    history: Outcome[ResultPage[PointsTransaction]] | None


# Reading every page of a newest-first list without drift (a record arriving between two pages pushes every row one
# place down): the period's end is pinned to the start, and a row already seen is left out.
Query = TypeVar("Query", bound=HistoryQuery)


def pinned_to_now(query: Query) -> Query:
    now = timezone.now()
    return query if query.end is not None and query.end <= now else replace(query, end=now)


def distinct_records(transactions: Iterable[PointsTransaction]) -> Iterator[PointsTransaction]:
    seen: set[Hashable] = set()
    for transaction in transactions:
        # Xinyue rows carry no documented id: the whole row stands for itself (two alike to the millisecond are one).
        key = transaction.record_id or transaction
        if key not in seen:
            seen.add(key)
            yield transaction
