"""Template helpers of the ledger pages: masked mobiles, signed changes, Shanghai times, raw rows."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import template
from django.http import QueryDict
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from audit.records import mask_mobile
from pointsadmin.templatetags.memoized_url import reverse_once
from vendors.parsing import shanghai_format
from vendors.results import Direction, PointsTransaction

register = template.Library()


def _escape(value: object) -> str:
    """HTML-escaped text, quotes included: the stdlib's escape, without Django's lazy-string wrapper (the
    history rows call it hundreds of times per page)."""
    return html.escape(str(value), quote=True)


@register.filter
def masked(value: object) -> str:
    """A mobile number shown as 138****5678; other text unchanged."""
    return mask_mobile(str(value or ""))


@register.simple_tag(takes_context=True)
def mobile(context: template.Context, value: str, connection_id: int | None = None, member_id: str = "") -> SafeString:
    """A masked mobile; for those who may reveal it, with a reveal button that fetches the number again.

    Built in Python rather than with an included template: the shop ledger draws one per row, and each include
    cost a template lookup, a new context and a render (a fortieth of a member page for its one mobile).
    """
    if not value:
        return SafeString("—")
    can = context.get("can") or {}
    html = f'<span class="mobile"><span class="mono">{_escape(mask_mobile(value))}</span>'
    if can.get("reveal_mobile") and connection_id is not None and member_id:
        action = _escape(reverse_once("ledger:reveal_mobile"))
        html += (
            f'\n<form class="reveal-form" method="post" action="{action}"'
            f' hx-post="{action}" hx-target="closest .mobile" hx-swap="outerHTML">'
            f'\n  <input type="hidden" name="connection_id" value="{_escape(connection_id)}">'
            f'\n  <input type="hidden" name="member_id" value="{_escape(member_id)}">'
            f'\n  <button type="submit" class="link-button">{_escape(gettext("reveal"))}</button>\n</form>'
        )
    return mark_safe(html + "</span>")  # noqa: S308  # nosec B308 B703 # every value above is _escape()d


@register.filter
def shanghai(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if value is None:
        return ""
    return shanghai_format(value, fmt)


@register.filter
def signed(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:,}"
    return f"+{text}" if value > 0 else text


@register.filter
def points(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,}"


@register.filter
def change_class(direction: Direction | str) -> str:
    return _CHANGE_CLASSES.get(direction, "")


# By member and by value (an Enum member hashes by its name, not its value); built once, used on every row.
_CHANGE_CLASSES = {key: f"change-{d.value}" for d in Direction for key in (d, d.value)}


def _mask_raw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _mask_raw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_raw(item) for item in value]
    if isinstance(value, str):
        return mask_mobile(value)
    return value


@register.filter
def raw_json(value: Mapping[str, Any] | None) -> str:
    """The vendor's row as indented JSON, mobiles masked (autoescaped by the template)."""
    if not value:
        return ""
    return json.dumps(_mask_raw(value), ensure_ascii=False, indent=2, default=str)


def _type_cell(item: PointsTransaction) -> str:
    """The type's name with its code beside it, or whichever of the two the vendor sent (escaped)."""
    if item.type_name and item.type_code:
        return f'{_escape(item.type_name)} <span class="muted mono">{_escape(item.type_code)}</span>'
    return _escape(item.type_name or item.type_code or "—")


@register.simple_tag(takes_context=True)
def history_rows(context: template.Context, items: list[PointsTransaction], has_balance_after: bool) -> SafeString:
    """The <tr>s of a member's history table, every vendor value escaped.

    Built in Python rather than with a {% for %} of the template: a page holds up to 100 rows, and the template
    engine (or format_html) spent ~0.2 ms on each, most of a member page's rendering time.
    """
    view_raw = bool((context.get("can") or {}).get("view_raw"))
    raw_label = _escape(gettext("raw"))
    rows = []
    for item in items:
        # Times and numbers are our own formatting of a datetime and Decimals (digits, separators, a sign):
        # nothing in them to escape. Every text a vendor wrote is escaped.
        cells = [
            f'<td class="nowrap">{shanghai(item.occurred_at)}</td>',
            f'<td class="num {change_class(item.direction)}">{signed(item.change)}</td>',
        ]
        if has_balance_after:
            cells.append(f'<td class="num hide-narrow">{points(item.balance_after)}</td>')
        cells.append(f"<td>{_type_cell(item)}</td>")
        cells.append(f'<td class="hide-narrow">{_escape(item.description or "—")}</td>')
        if view_raw:
            raw = ""
            if item.raw:
                raw = f'<details class="raw"><summary>{raw_label}</summary><pre>{_escape(raw_json(item.raw))}</pre>'
                raw += "</details>"
            cells.append(f'<td class="hide-narrow">{raw}</td>')
        # A newline between cells, as the template wrote them: a row's text content keeps its values apart.
        rows.append("<tr>" + "\n".join(cells) + "</tr>")
    return mark_safe("\n".join(rows))  # noqa: S308  # nosec B308 B703 # every vendor value above is _escape()d


@register.simple_tag
def filter_fields(form: Any) -> SafeString:
    """Every field of a filter form but `page`, each in a <div class="field"> with its label, marked has-error
    when it has errors.

    Built in Python rather than with a {% for %} of the template: that loop looked up four things per field
    through the template engine (BoundField.__getitem__ refuses names by raising, .errors builds an ErrorList
    each time), about a twentieth of a member page's instructions.
    """
    errors = form.errors
    parts = []
    for field in form:
        if field.name == "page":
            continue
        css = "field has-error" if errors.get(field.name) else "field"
        label_for, label = conditional_escape(field.id_for_label or ""), conditional_escape(field.label or "")
        parts.append(f'<div class="{css}">\n  <label for="{label_for}">{label}</label>\n  {field}\n</div>')
    return mark_safe("\n".join(parts))  # noqa: S308  # nosec B308 B703 # labels escaped; widgets render escaped


def _with_page(query: QueryDict, number: int) -> str:
    """`{% querystring page=number %}`: the request's query with `page` set (in place, or added at the end)."""
    params = [(key, value) for key, values in query.lists() for value in ([number] if key == "page" else values)]
    if "page" not in query:
        params.append(("page", number))
    return "?" + urlencode(params)


@register.simple_tag(takes_context=True)
def pagination(context: template.Context, page: Any, target: str) -> SafeString:
    """The pagination bar of a list page (First, Previous, "Page N of M", Next, Last), every link keeping the
    other filters and swapping `target` with htmx.

    Built in Python rather than as an included template: the include, with its four {% querystring %}s (each a
    deep copy of request.GET), cost about 0.2 ms of every list page (measured in-process).
    """
    query = context["request"].GET
    hx = f'hx-target="{_escape(target)}" hx-swap="outerHTML" hx-push-url="true"'

    def link(number: int, label: str, rel: str = "") -> str:
        href = _escape(_with_page(query, number))
        rel_attr = f' rel="{rel}"' if rel else ""
        return f'<a class="button" href="{href}" hx-get="{href}" {hx}{rel_attr}>{label}</a>'

    parts = []
    if page.has_previous:
        parts.append(link(1, "« " + _escape(gettext("First"))))
        parts.append(link(page.previous_page, "\u2039 " + _escape(gettext("Previous")), rel="prev"))
    if page.page_count:
        status = gettext("Page %(number)s of %(pages)s") % {"number": page.page, "pages": page.page_count}
    else:
        status = gettext("Page %(number)s") % {"number": page.page}
    parts.append(f'<span class="muted">{_escape(status)}</span>')
    if page.has_next:
        parts.append(link(page.page + 1, _escape(gettext("Next")) + " \u203a", rel="next"))
        if page.page_count:
            parts.append(link(page.page_count, _escape(gettext("Last")) + " »"))
    label = _escape(gettext("Pages"))
    body = "\n  ".join(parts)
    return mark_safe(f'<nav class="pagination" aria-label="{label}">\n  {body}\n</nav>')  # noqa: S308  # nosec B308 B703 # every value is _escape()d
