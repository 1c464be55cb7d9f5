"""A small server-rendered SVG line chart of a member's points over time (no JavaScript, no CDN).

Points come from each row's balance after the change where the vendor gives it; otherwise the current
balance anchors the newest row and the changes are walked backwards (balance before = after - change).
Values stay Decimal until they become pixel coordinates.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from vendors.parsing import shanghai_format
from vendors.results import PointsTransaction

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


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _format_value(value: Decimal) -> str:
    normal = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return f"{normal:,}"


def chart_svg(points: Sequence[ChartPoint], *, title: str = "") -> SafeString:
    """The SVG markup (every text escaped), or an empty-state paragraph when there is nothing to draw.

    Pixel positions are floats computed once per point; values and dates keep their exact text. Written for
    speed (a member page draws up to 100 points): stdlib html.escape, no per-point lazy-string work.
    """
    if not points:
        # gettext outside the f-string: makemessages does not look inside f-string expressions.
        nothing = _escape(gettext("No points to chart for these filters."))
        return mark_safe(f'<p class="chart-empty empty">{nothing}</p>')  # noqa: S308  # nosec B308 B703 # escaped
    values = [point.value for point in points]
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 1, high + 1
    stamps = [point.at.timestamp() for point in points]
    first, span = stamps[0], (stamps[-1] - stamps[0]) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    value_scale = plot_h / float(high - low)
    # One point sits in the middle; otherwise time runs left to right.
    xs = [LEFT + plot_w / 2] if len(points) == 1 else [LEFT + (stamp - first) / span * plot_w for stamp in stamps]
    ys = [TOP + float(high - value) * value_scale for value in values]

    label = _escape(title or gettext("Points over time"))
    parts = [
        f'<svg class="points-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{label}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{label}</title>",
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
    ]
    for value in (high, (high + low) / 2, low):
        y = TOP + float(high - value) * value_scale
        text = _escape(_format_value(value))
        parts.append(f'<text class="label" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{text}</text>')
    label_indexes = [0] if len(points) == 1 else [0, len(points) - 1]
    for position, index in enumerate(label_indexes):
        anchor = "middle" if len(label_indexes) == 1 else ("start" if position == 0 else "end")
        day = shanghai_format(points[index].at, "%Y-%m-%d")
        parts.append(
            f'<text class="label" x="{xs[index]:.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}">{_escape(day)}</text>'
        )
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    parts.append(f'<polyline class="line" points="{coords}"/>')
    for point, x, y in zip(points, xs, ys, strict=True):
        # Our own formatting of a datetime and a Decimal (digits, separators, a sign): nothing to escape.
        when = shanghai_format(point.at, "%Y-%m-%d %H:%M")
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3">'
            f"<title>{when} · {_format_value(point.value)}</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 # every text above is escaped


def history_chart(
    transactions: Sequence[PointsTransaction], *, has_balance_after: bool, current_balance: Decimal | None
) -> SafeString:
    points = balance_points(transactions, has_balance_after=has_balance_after, current_balance=current_balance)
    return chart_svg(points)
