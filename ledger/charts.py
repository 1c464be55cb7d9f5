"""A small server-rendered SVG line chart of a member's points over time (no JavaScript, no CDN).

Points come from each row's balance after the change where the vendor gives it; otherwise the current
balance anchors the newest row and the changes are walked backwards (balance before = after - change).
Values stay Decimal until they become pixel coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ledger.vendors.parsing import SHANGHAI
from ledger.vendors.results import PointsTransaction

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 14, 34


@dataclass(frozen=True)
class ChartPoint:
    at: datetime
    value: Decimal


def balance_points(
    transactions: Sequence[PointsTransaction], *, has_balance_after: bool, current_balance: Decimal | None
) -> list[ChartPoint]:
    """(time, balance after) for the rows, oldest first; [] when the balances cannot be known."""
    rows = sorted(transactions, key=lambda row: row.occurred_at, reverse=True)  # newest first
    if not rows:
        return []
    points: list[ChartPoint] = []
    if has_balance_after and all(row.balance_after is not None for row in rows):
        points = [ChartPoint(row.occurred_at, row.balance_after) for row in rows]  # type: ignore[arg-type]
    else:
        if current_balance is None:
            return []
        # The current balance is the balance after the newest row shown only when those rows are the newest
        # ones; for an older page it is an approximation the caption admits.
        running = current_balance
        for row in rows:
            points.append(ChartPoint(row.occurred_at, running))
            running = running - row.change
    return list(reversed(points))


def _format_value(value: Decimal) -> str:
    normal = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return f"{normal:,}"


def chart_svg(points: Sequence[ChartPoint], *, title: str = "") -> SafeString:
    """The SVG markup (every text escaped), or an empty-state paragraph when there is nothing to draw."""
    if not points:
        return mark_safe(  # noqa: S308  # nosec B308 B703 # static text, escaped
            f'<p class="chart-empty empty">{escape(gettext("No points to chart for these filters."))}</p>'
        )
    values = [point.value for point in points]
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 1, high + 1
    first, last = points[0].at.timestamp(), points[-1].at.timestamp()
    span = (last - first) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        if len(points) == 1:
            return LEFT + plot_w / 2
        return LEFT + (at.timestamp() - first) / span * plot_w

    def y(value: Decimal) -> float:
        return TOP + float((high - value) / (high - low)) * plot_h

    coords = " ".join(f"{x(p.at):.1f},{y(p.value):.1f}" for p in points)
    parts = [
        f'<svg class="points-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title or gettext("Points over time"))}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title or gettext('Points over time'))}</title>",
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
    ]
    for value in (high, (high + low) / 2, low):
        parts.append(
            f'<text class="label" x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{escape(_format_value(value))}</text>"
        )
    label_points = [points[0]] if len(points) == 1 else [points[0], points[-1]]
    for index, point in enumerate(label_points):
        anchor = "middle" if len(label_points) == 1 else ("start" if index == 0 else "end")
        day = point.at.astimezone(SHANGHAI).strftime("%Y-%m-%d")
        parts.append(
            f'<text class="label" x="{x(point.at):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}">{escape(day)}</text>'
        )
    parts.append(f'<polyline class="line" points="{coords}"/>')
    for point in points:
        when = point.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        parts.append(
            f'<circle class="dot" cx="{x(point.at):.1f}" cy="{y(point.value):.1f}" r="3">'
            f"<title>{escape(when)} · {escape(_format_value(point.value))}</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 # every text above is escaped


def history_chart(
    transactions: Sequence[PointsTransaction], *, has_balance_after: bool, current_balance: Decimal | None
) -> SafeString:
    points = balance_points(transactions, has_balance_after=has_balance_after, current_balance=current_balance)
    return chart_svg(points)
