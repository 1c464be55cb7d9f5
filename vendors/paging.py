"""Reading every page of a newest-first vendor list without drift (a record arriving between two pages pushes
every row one place down): the period's end is pinned to the start, and a row already seen is left out."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import replace
from typing import TypeVar

from django.utils import timezone

from vendors.results import HistoryQuery, PointsTransaction

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
