"""Template helpers of the ledger pages: masked mobiles, signed changes, Shanghai times, raw rows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from ledger.audit import mask_mobile
from ledger.vendors.parsing import SHANGHAI
from ledger.vendors.results import Direction

register = template.Library()


@register.filter
def masked(value: object) -> str:
    """A mobile number shown as 138****5678; other text unchanged."""
    return mask_mobile(str(value or ""))


@register.simple_tag(takes_context=True)
def mobile(context: template.Context, value: str, connection_id: int | None = None, member_id: str = "") -> SafeString:
    """A masked mobile; for those who may reveal it, with a reveal button that fetches the number again."""
    if not value:
        return SafeString("—")
    can = context.get("can") or {}
    return render_to_string(
        "ledger/_mobile.html",
        {
            "masked": mask_mobile(value),
            "can_reveal": bool(can.get("reveal_mobile")) and connection_id is not None and bool(member_id),
            "connection_id": connection_id,
            "member_id": member_id,
        },
    )


@register.filter
def shanghai(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if value is None:
        return ""
    return value.astimezone(SHANGHAI).strftime(fmt)


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
    return f"change-{Direction(direction).value}" if direction in set(Direction) else ""


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
