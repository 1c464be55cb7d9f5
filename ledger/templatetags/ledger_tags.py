"""Template tags of the ledger pages: masked mobiles, signed changes, Beijing times, raw rows, the search hint."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template

from audit.records import mask_mobile
from ledger.services.members import lookup_hint
from vendors.parsing import RAW_TEXT_MAX_LENGTH, SHANGHAI, clip

RAW_LIST_MAX_ITEMS = 100

register = template.Library()


@register.filter
def masked(value: object) -> str:
    """A mobile number shown as 138****5678; other text unchanged."""
    return mask_mobile(str(value or ""))


@register.filter
def shanghai(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """An aware datetime as Beijing wall-clock time, whatever TIME_ZONE says: the vendors' time and the staff's."""
    return "" if value is None else value.astimezone(SHANGHAI).strftime(fmt)


@register.filter
def signed(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:,}"
    return f"+{text}" if value > 0 else text


@register.filter
def points(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,}"


def _shown_raw(value: Any) -> Any:
    # The vendor's row is kept whole; what the raw view shows is cut and masked (the raw view is a page too).
    if isinstance(value, Mapping):
        return {clip(str(key), RAW_TEXT_MAX_LENGTH): _shown_raw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_shown_raw(item) for item in value[:RAW_LIST_MAX_ITEMS]]
    if isinstance(value, str):
        return mask_mobile(clip(value, RAW_TEXT_MAX_LENGTH))
    return value


@register.filter
def raw_json(value: Mapping[str, Any] | None) -> str:
    """The vendor's row as indented JSON, long texts cut, mobiles masked (autoescaped by the template)."""
    if not value:
        return ""
    return json.dumps(_shown_raw(value), ensure_ascii=False, indent=2, default=str)


@register.simple_tag
def member_search_hint() -> str:
    """What the search box finds members by at the registered vendors, in words."""
    return lookup_hint()
