"""Defensive readers of vendor values: int-or-string numbers as Decimal, unix seconds or milliseconds,
Beijing wall-clock times, mainland mobile numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from vendors.exceptions import VendorBadResponse
from vendors.parsing import (
    SHANGHAI,
    as_decimal,
    as_id,
    as_int,
    as_optional_decimal,
    as_text,
    from_epoch,
    mainland_mobile,
    shanghai_datetime,
    shanghai_format,
    shanghai_text,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (500, Decimal(500)),
        ("500", Decimal(500)),
        (" -20 ", Decimal(-20)),
        ("+3.50", Decimal("3.50")),
        (Decimal("0.1"), Decimal("0.1")),
    ],
)
def test_numbers_come_as_int_or_string_and_leave_as_decimal(value, expected):
    result = as_decimal(value, "amount", vendor="x")
    assert result == expected
    assert isinstance(result, Decimal)


@pytest.mark.parametrize("value", [True, None, "", "abc", "1e5", "NaN", "Infinity", 1.5, [], {}, "1,000"])
def test_anything_else_is_a_bad_response_naming_the_field(value):
    with pytest.raises(VendorBadResponse, match=r"data\.list\[0\]\.amount"):
        as_decimal(value, "data.list[0].amount", vendor="x")


def test_missing_optional_numbers_are_unknown_not_zero():
    assert as_optional_decimal(None, "f", vendor="x") is None
    assert as_optional_decimal("", "f", vendor="x") is None
    assert as_optional_decimal("  ", "f", vendor="x") is None
    assert as_optional_decimal("0", "f", vendor="x") == 0


@pytest.mark.parametrize("value", [500, "500", " -20 ", "+3.50", ".5", "7.", Decimal("0.1")])
def test_optional_numbers_read_present_values_as_as_decimal_does(value):
    assert as_optional_decimal(value, "f", vendor="x") == as_decimal(value, "f", vendor="x")


@pytest.mark.parametrize("value", [True, "abc", "1e5", "NaN", " Infinity", 1.5, [], {}, "1,000", "1_000", "--1"])
def test_optional_numbers_refuse_what_as_decimal_refuses_naming_row_and_field(value):
    with pytest.raises(VendorBadResponse, match=r"data\.rows\[2\]\.occur"):
        as_optional_decimal(value, ("data.rows[2]", "occur"), vendor="x")


def test_integers_accept_strings_but_not_fractions_or_booleans():
    assert as_int("12", "f", vendor="x") == 12
    assert as_int(Decimal("3"), "f", vendor="x") == 3
    for bad in ("1.5", Decimal("1.5"), False, "x"):
        with pytest.raises(VendorBadResponse):
            as_int(bad, "f", vendor="x")


def test_unix_times_are_told_apart_by_magnitude():
    # 1717200000 s and 1717200000123 ms are the same moment, give or take the milliseconds.
    assert from_epoch(1717200000, "t", vendor="x") == datetime(2024, 6, 1, 0, 0, tzinfo=UTC)
    assert from_epoch("1717200000123", "t", vendor="x") == datetime(2024, 6, 1, 0, 0, 0, 123000, tzinfo=UTC)
    # The Xinyue doc's example value, 123467677, is seconds-sized: November 1973, not January 1970.
    assert from_epoch(123467677, "t", vendor="x").year == 1973
    with pytest.raises(VendorBadResponse):
        from_epoch(-5, "t", vendor="x")


def test_beijing_wall_clock_times_become_aware():
    moment = shanghai_datetime("2022-08-05 10:00:00", "t", vendor="x", formats=("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"))
    assert moment == datetime(2022, 8, 5, 2, 0, tzinfo=UTC)
    day = shanghai_datetime("2022-08-05", "t", vendor="x", formats=("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"))
    assert day == datetime(2022, 8, 5, tzinfo=SHANGHAI)
    with pytest.raises(VendorBadResponse):
        shanghai_datetime("05/08/2022", "t", vendor="x", formats=("%Y-%m-%d",))


def test_filters_are_written_in_beijing_time_and_naive_times_are_refused():
    assert shanghai_text(datetime(2025, 5, 31, 16, 0, tzinfo=UTC)) == "2025-06-01 00:00:00"
    with pytest.raises(ValueError, match="aware"):
        shanghai_text(datetime(2025, 5, 31, 16, 0))


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("23800138000", None),  # mainland mobiles start with 1
        ("1380013800", None),  # ten digits
        ("138001380001", None),  # twelve
        ("u_13800138000", None),
    ],
)
def test_mainland_mobile_numbers(identifier, expected):
    assert mainland_mobile(identifier) == expected


@pytest.mark.parametrize("fmt", ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%H:%M", "%Y年%m月%d日"])
def test_shanghai_format_writes_what_strftime_writes(fmt):
    moments = [
        datetime(2026, 11, 30, 23, 59, 59, 999_999, tzinfo=UTC),  # the next day in Beijing; microseconds dropped
        datetime(2026, 1, 1, 0, 0, tzinfo=SHANGHAI),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 12, 0, tzinfo=SHANGHAI),  # a three-digit year: strftime does not pad it
        datetime(9999, 12, 31, 15, 0, tzinfo=UTC),
    ]
    for moment in moments:
        assert shanghai_format(moment, fmt) == moment.astimezone(SHANGHAI).strftime(fmt)
    assert shanghai_format(moments[0]) == shanghai_text(moments[0])


# --- hostile values: bounded where they are parsed -----------------------------------------------------------
@pytest.mark.parametrize("value", [10**15, -(10**15), "1000000000000000", 10**30, Decimal("1E+30"), "-1e15"])
def test_numbers_beyond_any_points_balance_are_refused(value):
    with pytest.raises(VendorBadResponse):
        as_decimal(value, "data.amount", vendor="kingdee")


def test_the_largest_sane_number_still_reads():
    assert as_decimal(10**15 - 1, "data.amount", vendor="kingdee") == Decimal(10**15 - 1)


def test_long_text_is_cut_with_an_ellipsis():
    text = as_text("说" * 200_000, ("data.list[0]", "desc"), vendor="xinyue", limit=200)
    assert len(text) == 200
    assert text.endswith("…")
    assert as_text("short", "data.desc", vendor="xinyue", limit=200) == "short"


@pytest.mark.parametrize("value", ["M001", "u_5f3a-9", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "shop/M001", 12345])
def test_ids_of_the_safe_alphabet_read(value):
    assert as_id(value, "data.member_id", vendor="kingdee") == str(value)


@pytest.mark.parametrize("value", ["x" * 65, "a b", "<script>", "M\n1", "../admin", "a/./b", "..", "a?b", "a#b", "%2F"])
def test_ids_out_of_bounds_are_a_bad_response_not_cut(value):
    with pytest.raises(VendorBadResponse):
        as_id(value, "data.member_id", vendor="kingdee")


def test_a_missing_id_is_empty():
    assert as_id(None, "data.member_id", vendor="kingdee") == ""
