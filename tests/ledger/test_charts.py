"""The period chart: a balance line where rows carry the balance after, daily net bars where they do not,
integer ticks with thousands separators, and hostile numbers that neither raise nor divide by zero."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from ledger.charts import BALANCE, NET, integer_ticks, period_chart
from ledger.services.listings import period_totals
from vendors.results import Direction, PointsTransaction

MAY_1 = datetime(2025, 4, 30, 16, 0, tzinfo=UTC)  # midnight in Beijing
MAY_31 = datetime(2025, 5, 31, 15, 59, 59, tzinfo=UTC)


def tx(day: int, change: str, after: str | None = None, hour: int = 4) -> PointsTransaction:
    return PointsTransaction(
        connection_id=1,
        record_id=f"{day}-{hour}",
        member_id="M",
        occurred_at=datetime(2025, 5, day, hour, 0, tzinfo=UTC),
        change=Decimal(change),
        direction=Direction.ADD if Decimal(change) > 0 else Direction.SUBTRACT,
        balance_after=Decimal(after) if after is not None else None,
    )


def tick_labels(svg: str) -> list[str]:
    """The y axis's labels (the x axis's last date is right-aligned too)."""
    return [
        label
        for label in re.findall(
            r'<text class="label" x="[^"]+" y="[^"]+" text-anchor="end" font-size="14">([^<]+)</text>', svg
        )
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", label)
    ]


def test_rows_with_balances_give_a_balance_line_over_the_period():
    chart = period_chart(
        [tx(20, "-500", "1500"), tx(3, "1000", "2000")], has_balance_after=True, start=MAY_1, end=MAY_31
    )
    assert chart.kind == BALANCE
    svg = str(chart.svg)
    assert "<polyline" in svg
    assert 'viewBox="0 0 400 220"' in svg
    assert ">2025-05-01<" in svg
    assert ">2025-05-31<" in svg
    assert list(chart.figures) == [
        ("2025-05-03 12:00", Decimal(2000)),
        ("2025-05-20 12:00", Decimal(1500)),
    ]


def test_rows_without_balances_give_daily_net_change_never_a_balance():
    rows = [tx(9, "-300"), tx(9, "100", hour=6), tx(2, "50")]
    chart = period_chart(rows, has_balance_after=False, start=MAY_1, end=MAY_31)
    assert chart.kind == NET
    svg = str(chart.svg)
    assert "<polyline" not in svg
    assert svg.count('class="bar-up"') == 1
    assert svg.count('class="bar-down"') == 1
    assert list(chart.figures) == [("2025-05-02", Decimal(50)), ("2025-05-09", Decimal(-200))]


def test_a_vendor_with_balances_but_a_row_without_one_gets_net_change():
    chart = period_chart([tx(3, "10", "20"), tx(2, "10")], has_balance_after=True, start=MAY_1, end=MAY_31)
    assert chart.kind == NET


def test_ticks_are_integers_with_thousands_separators():
    svg = str(
        period_chart([tx(2, "1", "1147.5"), tx(3, "1", "4980.25")], has_balance_after=True, start=None, end=None).svg
    )
    labels = tick_labels(svg)
    assert labels == ["1,000", "2,000", "3,000", "4,000", "5,000"]


@pytest.mark.parametrize(("low", "high"), [("0.5", "1147.5"), ("-131", "40"), ("7", "7"), ("0", "1")])
def test_integer_ticks_cover_the_values(low, high):
    ticks = integer_ticks(Decimal(low), Decimal(high))
    assert all(isinstance(tick, int) for tick in ticks)
    assert ticks[0] <= Decimal(low)
    assert ticks[-1] >= Decimal(high)
    assert ticks[0] < ticks[-1]
    assert len(ticks) <= 7


def test_a_balance_of_ten_to_the_thirty_does_not_raise():
    rows = [tx(2, "1", str(10**30)), tx(3, "1", str(10**30 + 5))]
    chart = period_chart(rows, has_balance_after=True, start=MAY_1, end=MAY_31)
    assert "1,000,000,000,000,000,000,000,000,000,000" in str(chart.svg)
    net = period_chart([tx(2, str(10**30))], has_balance_after=False, start=MAY_1, end=MAY_31)
    assert 'class="bar-up"' in str(net.svg)


def test_a_constant_huge_balance_does_not_divide_by_zero():
    huge = str(10**30)
    chart = period_chart([tx(2, "0", huge), tx(3, "0", huge)], has_balance_after=True, start=MAY_1, end=MAY_31)
    assert "<polyline" in str(chart.svg)
    assert len(tick_labels(str(chart.svg))) >= 2


def test_one_row_at_one_instant_still_draws():
    moment = tx(2, "5", "5").occurred_at
    chart = period_chart([tx(2, "5", "5")], has_balance_after=True, start=moment, end=moment)
    assert "nan" not in str(chart.svg).lower()


def test_nothing_to_draw_is_none():
    assert period_chart([], has_balance_after=True, start=MAY_1, end=MAY_31) is None
    assert period_chart([], has_balance_after=False, start=MAY_1, end=MAY_31) is None


def test_titles_and_legends_in_chinese():
    with translation.override("zh-hans"):
        line = period_chart([tx(2, "5", "5")], has_balance_after=True, start=MAY_1, end=MAY_31)
        bars = period_chart([tx(2, "5")], has_balance_after=False, start=MAY_1, end=MAY_31)
    assert line.title == "期间余额走势"
    assert bars.title == "每日净变动"
    assert [text for _css, text in bars.legend] == ["当日获得多于兑换", "当日兑换多于获得"]


def test_totals_are_the_sums_of_the_rows_exactly():
    totals = period_totals([tx(2, str(10**30)), tx(3, "1"), tx(4, "-0.5"), tx(5, "-20")])
    assert totals.earned == Decimal(10**30 + 1)
    assert totals.redeemed == Decimal("20.5")
    assert totals.net == Decimal("999999999999999999999999999980.5")  # not rounded to 28 digits
