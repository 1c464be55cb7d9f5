"""What each vendor takes a typed identifier to be (its profile's identifiers), and how the lookup page says it."""

from __future__ import annotations

import pytest
from django.utils import translation

from vendors.base import cjk_spaced
from vendors.kingdee import KingdeeClient
from vendors.results import LookupKind
from vendors.xiaoe import XiaoeClient
from vendors.xinyue import XinyueClient

X, U, K = XinyueClient, XiaoeClient, KingdeeClient


@pytest.mark.parametrize(
    ("client", "identifier", "kind"),
    [
        (X, "JHhd993hGG8n0dsfn9hhsdhfi", LookupKind.OPENID),  # the doc's example openid
        (X, "oX_ab-12", LookupKind.OPENID),
        (X, "  oXabc123  ", LookupKind.OPENID),
        (X, "abc12", None),  # too short for an openid
        (X, "a" * 65, None),
        (X, "13800138000", None),  # a mobile number: not an openid
        (X, "+86 138 0013 8000", None),
        (X, "open id", None),
        (X, "ab@cd.com", None),
        (U, "u_1001", LookupKind.USER_ID),
        (U, "7", LookupKind.USER_ID),
        (U, "u-" + "x" * 62, LookupKind.USER_ID),
        (U, "u-" + "x" * 63, None),
        (U, "13800138000", LookupKind.MOBILE),  # xe.user.info.get finds users by phone
        (U, "u 1", None),
        (U, "用户1", None),
        (K, "13800138000", LookupKind.MOBILE),
        (K, "+8613800138000", LookupKind.MOBILE),
        (K, "+86 138 0013 8000", LookupKind.MOBILE),
        (K, "1", LookupKind.MEMBER_ID),
        (K, "M001", LookupKind.MEMBER_ID),
        (K, "1234567890", LookupKind.MEMBER_ID),  # ten digits: not a mobile
        (K, "M 001", None),
        (K, "会员A", None),
        *((client, "", None) for client in (X, U, K)),
    ],
)
def test_what_a_typed_identifier_is_taken_to_be(client, identifier, kind):
    assert client.profile.lookup_kind(identifier) == kind


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["openid", "user id or mobile number", "member id or mobile number"]),
        ("zh-hans", ["openid", "用户 ID 或手机号", "会员 ID 或手机号"]),
    ],
)
def test_what_each_vendor_finds_members_by_in_words(language, expected):
    with translation.override(language):
        assert [client.profile.searches_by for client in (X, U, K)] == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["by openid", "by user id or mobile number", "by member id or mobile number"]),
        ("zh-hans", ["按 openid", "按用户 ID 或手机号", "按会员 ID 或手机号"]),
    ],
)
def test_how_each_vendor_finds_members_is_spaced_where_chinese_meets_latin(language, expected):
    with translation.override(language):
        assert [client.profile.found_by for client in (X, U, K)] == expected


@pytest.mark.parametrize(
    ("text", "spaced"),
    [("按openid", "按 openid"), ("用户ID或openid", "用户 ID 或 openid"), ("按 openid", "按 openid"), ("0 条", "0 条")],
)
def test_cjk_spacing(text, spaced):
    assert cjk_spaced(text) == spaced
