"""The member page's chart of a period, as server-rendered SVG (no JavaScript, no CDN, no inline styles).

Where every row carries the vendor's balance after the change (Kingdee), a line of those balances; otherwise the
net change of each day in bars (never a balance worked backwards from today's). The x axis spans the period
chosen. Ticks are Python ints, so a hostile 10^30 neither overflows a Decimal context nor flattens the axis.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from vendors.parsing import SHANGHAI, shanghai_format
from vendors.results import PointsTransaction

# A viewBox narrow enough that 12-unit labels stay readable at 390 px (CSS caps its width on wide screens).
WIDTH, HEIGHT = 400, 220
RIGHT, TOP, BOTTOM = 10, 10, 28
FONT_SIZE = 14
TICKS_WANTED = 4
BALANCE, NET = "balance", "net"
PLOTTABLE_LIMIT = Decimal(10) ** 300
MAX_DOTS = 60


@dataclass(frozen=True)
class Chart:
    kind: str  # BALANCE or NET
    title: str
    value_heading: str
    legend: tuple[tuple[str, str], ...]  # (css class of the swatch, text)
    figures: tuple[tuple[str, Decimal], ...]  # (time or day, value): the figures table under the chart
    svg: SafeString


def integer_ticks(low: Decimal, high: Decimal) -> list[int]:
    """Evenly spaced integer ticks (steps of 1, 2 or 5 times 10^n) from at or below `low` to at or above `high`."""
    bottom, top = math.floor(low), math.ceil(high)
    if bottom == top:  # a constant series: one step either side, never a zero span
        bottom, top = bottom - 1, top + 1
    rough = max(1, -(-(top - bottom) // TICKS_WANTED))
    magnitude = 10 ** (len(str(rough)) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    first, last = (bottom // step) * step, -(-top // step) * step
    return list(range(first, last + 1, step))


def plottable(value: Decimal) -> bool:
    """A number a float pixel coordinate can hold (a hostile 1e400 is listed in the table, not drawn)."""
    return value.is_finite() and abs(value) < PLOTTABLE_LIMIT


def _axes(values: Sequence[Decimal], first_day: str, last_day: str) -> tuple[list[int], float, float, list[str]]:
    """The ticks spanning `values`, the left margin their labels need, the height of one unit in pixels, and the
    axes drawn."""
    ticks = integer_ticks(min(values), max(values))
    left = min(WIDTH / 2, 10 + max(len(f"{tick:,}") for tick in ticks) * FONT_SIZE * 0.6)
    unit = (HEIGHT - TOP - BOTTOM) / float(ticks[-1] - ticks[0])
    parts = []
    for tick in ticks:
        y = TOP + float(ticks[-1] - tick) * unit
        parts.append(f'<line class="grid" x1="{left:.1f}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="label" x="{left - 4:.1f}" y="{y + 4:.1f}" text-anchor="end" font-size="{FONT_SIZE}">'
            f"{tick:,}</text>"
        )
    parts.append(f'<line class="axis" x1="{left:.1f}" y1="{TOP}" x2="{left:.1f}" y2="{HEIGHT - BOTTOM}"/>')
    for x, anchor, text in ((left, "start", first_day), (WIDTH - RIGHT, "end", last_day)):
        parts.append(
            f'<text class="label" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" font-size="{FONT_SIZE}">'
            f"{html.escape(text)}</text>"
        )
    return ticks, left, unit, parts


def _svg(title: str, body: list[str]) -> SafeString:
    label = html.escape(title)
    return mark_safe(  # noqa: S308  # nosec B308 B703 # every text in it is escaped or our own number format
        f'<svg class="points-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
        + "".join(body)
        + "</svg>"
    )


def balance_chart(rows: Sequence[PointsTransaction], *, start: datetime | None, end: datetime | None) -> Chart | None:
    points = [(row.occurred_at, row.balance_after) for row in rows if row.balance_after is not None]
    figures = sorted((p for p in points if plottable(p[1])), key=lambda point: point[0])  # type: ignore[union-attr]
    if not figures:
        return None
    # The period chosen, widened to the rows should a vendor send one outside it; the rows' own span if open.
    begin, finish = min(start or figures[0][0], figures[0][0]), max(end or figures[-1][0], figures[-1][0])
    finish = finish if finish > begin else begin + timedelta(seconds=1)
    day_labels = (shanghai_format(begin, "%Y-%m-%d"), shanghai_format(finish, "%Y-%m-%d"))
    ticks, left, unit, body = _axes([value for _at, value in figures], *day_labels)
    seconds, plot_width = (finish - begin).total_seconds(), WIDTH - RIGHT - left
    coords = [
        (left + (at - begin).total_seconds() / seconds * plot_width, TOP + (ticks[-1] - float(value)) * unit)
        for at, value in figures
    ]
    title = gettext("Balance over the period")
    body.append(f'<polyline class="line" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}"/>')
    if len(coords) <= MAX_DOTS:  # beyond that the dots only blot the line out
        body += [f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>' for x, y in coords]
    return Chart(
        kind=BALANCE,
        title=title,
        value_heading=gettext("Balance after"),
        legend=(("swatch-line", gettext("Balance after each record")),),
        figures=tuple((shanghai_format(at, "%Y-%m-%d %H:%M"), value) for at, value in figures),
        svg=_svg(title, body),
    )


def net_change_chart(
    rows: Sequence[PointsTransaction], *, start: datetime | None, end: datetime | None
) -> Chart | None:
    net_of_day: dict[date, Decimal] = {}
    for row in rows:
        if plottable(row.change):
            day = row.occurred_at.astimezone(SHANGHAI).date()
            net_of_day[day] = net_of_day.get(day, Decimal(0)) + row.change
    days = sorted(net_of_day.items())
    if not days:
        return None
    first_day = min(start.astimezone(SHANGHAI).date(), days[0][0]) if start else days[0][0]
    last_day = max(end.astimezone(SHANGHAI).date(), days[-1][0]) if end else days[-1][0]
    # Bars stand on the zero line, which is always on the chart.
    ticks, left, unit, body = _axes([Decimal(0), *(value for _day, value in days)], str(first_day), str(last_day))
    slot = (WIDTH - RIGHT - left) / ((last_day - first_day).days + 1)
    zero_y = TOP + ticks[-1] * unit
    title = gettext("Net change per day")
    body.append(f'<line class="zero" x1="{left:.1f}" y1="{zero_y:.1f}" x2="{WIDTH - RIGHT}" y2="{zero_y:.1f}"/>')
    for day, value in days:
        x = left + (day - first_day).days * slot + slot * 0.1
        height = abs(float(value)) * unit
        y = zero_y - height if value > 0 else zero_y
        css = "bar-up" if value > 0 else "bar-down"
        body.append(
            f'<rect class="{css}" x="{x:.2f}" y="{y:.2f}" width="{max(slot * 0.8, 1):.2f}" height="{height:.2f}"/>'
        )
    return Chart(
        kind=NET,
        title=title,
        value_heading=gettext("Net change"),
        legend=(
            ("swatch-up", gettext("More earned than redeemed that day")),
            ("swatch-down", gettext("More redeemed than earned that day")),
        ),
        figures=tuple((day.isoformat(), value) for day, value in days),
        svg=_svg(title, body),
    )


def period_chart(
    rows: Sequence[PointsTransaction], *, has_balance_after: bool, start: datetime | None, end: datetime | None
) -> Chart | None:
    if has_balance_after and rows and all(row.balance_after is not None for row in rows):
        return balance_chart(rows, start=start, end=end)
    return net_change_chart(rows, start=start, end=end)
