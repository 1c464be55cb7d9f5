"""Defensive readers for vendor replies: numbers become Decimal (never float), times aware datetimes; anything
unreadable raises VendorBadResponse naming the field, so that a support agent sees "could not read", not a crash."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

from vendors.exceptions import VendorBadResponse

# All three vendors are Chinese and write wall-clock times without a zone: Beijing time.
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Unix times above this are milliseconds: 1e11 seconds is the year 5138, 1e11 ms is March 1973.
_EPOCH_MS_THRESHOLD = 100_000_000_000

_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_MAINLAND_MOBILE = re.compile(r"(?:\+?86)?(1\d{10})")
_MOBILE_SEPARATORS = re.compile(r"[\s-]")

# Bounds on what a vendor may send us (a hostile or broken vendor must not make a 60 MB page or a crash):
# ids go into URLs and the audit log, so they keep to a short, URL-safe alphabet ("/" is allowed: the
# URLconf takes member ids with a `path` converter); "." and ".." segments are refused because browsers
# collapse them in a URL. Text is cut with an ellipsis; a number this large is no points balance.
ID_MAX_LENGTH = 64
NAME_MAX_LENGTH = 64
DESCRIPTION_MAX_LENGTH = 200
NUMBER_LIMIT = Decimal(10) ** 15
RAW_TEXT_MAX_LENGTH = 500
_SAFE_ID = re.compile(r"[\w.@:+=/~|-]+")
_DOT_SEGMENT = re.compile(r"(^|/)\.{1,2}(/|$)")


T = TypeVar("T")

# The field a reader checks, named in its error: "data.count", or (row, field) for "data.rows[3].occur".
FieldName = str | tuple[str, str]


def bad_response(vendor: str, what: FieldName) -> VendorBadResponse:
    """A VendorBadResponse naming the field (a field path is never secret; the value is never quoted)."""
    message = gettext("The vendor answered with something we could not read (%(what)s).")
    return VendorBadResponse(message % {"what": what if isinstance(what, str) else ".".join(what)}, vendor=vendor)


def as_mapping(value: Any, what: FieldName, *, vendor: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise bad_response(vendor, what)
    return value


def as_list(value: Any, what: FieldName, *, vendor: str) -> list[Any]:
    """A JSON array; null reads as empty (vendors use it for "no rows")."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_response(vendor, what)
    return value


def as_decimal(value: Any, what: FieldName, *, vendor: str) -> Decimal:
    """An int, a Decimal (JSON floats are parsed as Decimal) or a numeric string, e.g. "500" or "-20.5"."""
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        result = Decimal(value.strip())
    elif isinstance(value, int | Decimal) and not isinstance(value, bool):  # true is not 1 point
        result = Decimal(value)
    else:
        raise bad_response(vendor, what)
    if not result.is_finite() or abs(result) >= NUMBER_LIMIT:
        raise bad_response(vendor, what)
    return result


def as_optional_decimal(value: Any, what: FieldName, *, vendor: str) -> Decimal | None:
    """as_decimal, with a missing value (absent, null or "") read as unknown."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return as_decimal(value, what, vendor=vendor)


def as_int(value: Any, what: FieldName, *, vendor: str) -> int:
    """An integer or an integer string (vendors write both for the same field)."""
    if isinstance(value, bool):
        raise bad_response(vendor, what)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    raise bad_response(vendor, what)


def as_code(value: Any, what: FieldName, codes: Mapping[int, T], *, vendor: str) -> T:
    """What an integer code (an int or an integer string) means, by `codes`; a code not in it is unreadable."""
    try:
        return codes[as_int(value, what, vendor=vendor)]
    except KeyError:
        raise bad_response(vendor, what) from None


def as_optional_int(value: Any, what: FieldName, *, vendor: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return as_int(value, what, vendor=vendor)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_text(value: Any, what: FieldName, *, vendor: str, limit: int | None = None) -> str:
    """A string field; numbers are accepted as their text (ids come both ways), null as ""; with `limit`, longer
    text is cut with an ellipsis."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise bad_response(vendor, what)
    return str(value) if limit is None else clip(str(value), limit)


def as_id(value: Any, what: FieldName, *, vendor: str) -> str:
    """An id (member, record): text of at most ID_MAX_LENGTH characters of a URL-safe alphabet, or "" when
    absent. An id cannot be cut like a name (a cut id names another member): one out of bounds is unreadable."""
    text = as_text(value, what, vendor=vendor).strip()
    if text and (len(text) > ID_MAX_LENGTH or not _SAFE_ID.fullmatch(text) or _DOT_SEGMENT.search(text)):
        raise bad_response(vendor, what)
    return text


def from_epoch(value: Any, what: FieldName, *, vendor: str) -> datetime:
    """A unix time in seconds or milliseconds (int or string), told apart by magnitude."""
    number = as_int(value, what, vendor=vendor)
    if number < 0:
        raise bad_response(vendor, what)
    seconds, milliseconds = divmod(number, 1000) if number >= _EPOCH_MS_THRESHOLD else (number, 0)
    try:
        # Whole seconds plus a timedelta: exact, where a float of the milliseconds would not be.
        return datetime.fromtimestamp(seconds, tz=UTC) + timedelta(milliseconds=milliseconds)
    except (OverflowError, OSError, ValueError) as err:
        raise bad_response(vendor, what) from err


def shanghai_datetime(value: Any, what: FieldName, *, vendor: str, formats: tuple[str, ...]) -> datetime:
    """A wall-clock time in Beijing time written in one of `formats`, as an aware datetime."""
    if not isinstance(value, str):
        raise bad_response(vendor, what)
    for fmt in formats:
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    raise bad_response(vendor, what)


def shanghai_text(moment: datetime) -> str:
    """An aware datetime as Beijing wall-clock text, the form the vendors' date filters take."""
    if moment.tzinfo is None:
        # A naive time would be shifted silently by whatever zone we guessed; the forms give aware ones.
        raise ValueError("vendor date filters need aware datetimes")
    return shanghai_format(moment)


def shanghai_format(moment: datetime, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return moment.astimezone(SHANGHAI).strftime(fmt)


def mainland_mobile(identifier: str) -> str | None:
    """The 11-digit mainland mobile number in `identifier` ("138 0013 8000", "+86 13800138000"), or None."""
    match = _MAINLAND_MOBILE.fullmatch(_MOBILE_SEPARATORS.sub("", identifier.strip()))
    return match.group(1) if match else None
