"""Reading every page of a newest-first vendor list for an export, without drift: a record arriving between two
pages pushes every row one place down. So the period's end is pinned to the moment the export starts, and a row
already written is left out when it comes round again.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import replace
from typing import TypeVar

from django.utils import timezone

from vendors.results import HistoryQuery, PointsTransaction

Query = TypeVar("Query", bound=HistoryQuery)


def pinned_to_now(query: Query) -> Query:
    """`query` with its end no later than now (an open end becomes now)."""
    now = timezone.now()
    return query if query.end is not None and query.end <= now else replace(query, end=now)


def distinct_records(transactions: Iterable[PointsTransaction]) -> Iterator[PointsTransaction]:
    """`transactions` without the ones seen before, by record id."""
    seen: set[Hashable] = set()
    for transaction in transactions:
        key = _record_key(transaction)
        if key not in seen:
            seen.add(key)
            yield transaction


def _record_key(transaction: PointsTransaction) -> Hashable:
    if transaction.record_id:
        return transaction.record_id
    # Xinyue rows carry no documented id: the whole row stands for itself (two alike to the millisecond are one).
    return transaction
