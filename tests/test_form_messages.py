"""Every field of our forms says what is wrong in our own words, in the reader's language, never in Django's
stock ones ("确保该变量包含不超过 100 字符 (目前字符数 150)。", "请输入一个正确的 用户名 和密码")."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation

from accounts.forms import NewPasswordForm, RoleForm, UserCreateForm, UserFilterForm
from audit.views import AuditFilterForm
from connections.forms import ToggleForm, connection_form_class
from ledger.forms import HistoryFilterForm, MemberSearchForm, RankingsForm, RevealMobileForm, ShopLedgerForm
from pointsadmin.forms import LoginForm
from tests.conftest import PASSWORD
from vendors.registry import vendor_kinds, vendor_profile

CHOICES = [(1, "精斗云·上海旗舰店")]


def our_forms() -> list[forms.Form]:
    return [
        LoginForm(),
        MemberSearchForm(),
        *(HistoryFilterForm(profile=vendor_profile(vendor)) for vendor in vendor_kinds()),
        *(ShopLedgerForm(profile=vendor_profile(vendor), connection_choices=CHOICES) for vendor in vendor_kinds()),
        RankingsForm(connection_choices=CHOICES),
        RevealMobileForm(),
        *(connection_form_class(vendor)() for vendor in vendor_kinds()),
        ToggleForm(),
        UserFilterForm(),
        UserCreateForm(),
        RoleForm(),
        NewPasswordForm(User(username="someone")),
        AuditFilterForm(),
    ]


def stock_messages(field: forms.Field) -> dict[str, str]:
    """The messages Django would show for `field`, by error code, for every error the field can raise."""
    stock: dict[str, str] = {}
    for klass in reversed(type(field).__mro__):
        stock.update({code: str(text) for code, text in getattr(klass, "default_error_messages", {}).items()})
    for validator in field.validators:
        code = getattr(validator, "code", None)
        if code:
            stock.setdefault(code, str(type(validator).message))
    if not field.required:
        stock.pop("required", None)
    return stock


def shown_message(field: forms.Field, code: str) -> str:
    if code in field.error_messages:
        return str(field.error_messages[code])
    for validator in field.validators:
        if getattr(validator, "code", None) == code:
            return str(validator.message)
    raise AssertionError(code)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_field_of_ours_shows_a_stock_django_message(language):
    stock_forms = {
        AuthenticationForm: AuthenticationForm.error_messages,
        SetPasswordForm: SetPasswordForm.error_messages,
    }
    stock_found = []
    with translation.override(language):
        for form in our_forms():
            for name, field in form.fields.items():
                for code, stock in stock_messages(field).items():
                    if shown_message(field, code) == stock:
                        stock_found.append(f"{type(form).__name__}.{name}: {code} → {stock}")
            for base, messages in stock_forms.items():
                if isinstance(form, base):
                    for code, text in messages.items():
                        if str(form.error_messages[code]) == str(text):
                            stock_found.append(f"{type(form).__name__}: {code} → {text}")
    assert stock_found == [], "\n".join(stock_found)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "wrong", "empty"),
    [
        ("zh-hans", "用户名或密码不正确", "请输入用户名。"),
        ("en", "The username or the password is wrong", "Enter your username."),
    ],
)
def test_the_login_form_speaks_our_words(client, support_user, language, wrong, empty):
    client.cookies["django_language"] = language
    refused = client.post(reverse("login"), {"username": "support", "password": "wrong-pass-123"}).content.decode()
    assert wrong in refused
    assert "请输入一个正确的" not in refused
    assert "Please enter a correct" not in refused
    blank = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
    assert empty in blank
    assert "这个字段是必填项" not in blank
    assert "This field is required" not in blank
    assert client.post(reverse("login"), {"username": "support", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_an_overlong_member_search_names_the_field_in_chinese(support_client):
    support_client.cookies["django_language"] = "zh-hans"
    html = support_client.get(reverse("ledger:member_search"), {"q": "1" * 150}).content.decode()
    assert "确保该变量包含不超过" not in html
    assert "会员：最多 100 个字符（当前 150 个）。" in html  # noqa: RUF001 - our Chinese text


@pytest.mark.django_db
def test_a_null_character_in_a_search_is_named_in_our_words(support_client):
    support_client.cookies["django_language"] = "zh-hans"
    html = support_client.get(reverse("ledger:member_search"), {"q": "138\x001111"}).content.decode()
    assert "会员：含有空字符（无法识别），请重新输入。" in html  # noqa: RUF001 - our Chinese text
    assert "不允许是用空字符串" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "role"), [("zh-hans", "客服"), ("en", "Support")])
def test_the_user_menu_names_the_role_in_the_readers_language(support_client, language, role):
    support_client.cookies["django_language"] = language
    html = support_client.get(reverse("ledger:member_search")).content.decode()
    menu = html.split('class="user-menu-body"', 1)[1].split("</div>", 1)[0]
    assert f'<p class="muted">{role}</p>' in menu
