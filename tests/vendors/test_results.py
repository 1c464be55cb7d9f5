"""PointsTransaction.build makes what PointsTransaction(...) makes, only without the frozen __init__'s cost."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest

from vendors.parsing import SHANGHAI
from vendors.results import Direction, PointsTransaction

REQUIRED = {
    "connection_id": 3,
    "record_id": "r-1",
    "member_id": "100001",
    "occurred_at": datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI),
    "change": Decimal("-20"),
    "direction": Direction.SUBTRACT,
}


@pytest.mark.parametrize(
    "values",
    [
        REQUIRED,
        {**REQUIRED, "balance_before": Decimal(520), "balance_after": Decimal(500), "type_name": "兑换", "raw": {}},
    ],
)
def test_build_equals_the_constructor_with_the_same_defaults(values):
    built, constructed = PointsTransaction.build(**values), PointsTransaction(**values)

    assert built == constructed
    assert repr(built) == repr(constructed)
    assert {f.name: getattr(built, f.name) for f in dataclasses.fields(built)} == {
        f.name: getattr(constructed, f.name) for f in dataclasses.fields(constructed)
    }


def test_build_refuses_unknown_and_missing_fields_and_stays_frozen():
    with pytest.raises(TypeError, match="unknown \\['balanse_after'\\]"):
        PointsTransaction.build(**REQUIRED, balanse_after=Decimal(1))
    with pytest.raises(TypeError, match="missing \\['change'\\]"):
        PointsTransaction.build(**{k: v for k, v in REQUIRED.items() if k != "change"})
    built = PointsTransaction.build(**REQUIRED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.change = Decimal(0)
    assert dataclasses.replace(built, change=Decimal(5)).change == Decimal(5)
