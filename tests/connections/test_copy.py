"""The words on the vendor-account pages (issue 18, item 5): our own message on every form field, and
"供应商账号" where an account is meant."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

from connections.forms import ToggleForm, connection_form_class
from tests.conftest import TEST_CREDENTIALS

pytestmark = pytest.mark.django_db


def _django_defaults(field: forms.Field) -> dict[str, str]:
    """The stock messages Django would give `field`, from its class and its validators."""
    defaults: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        defaults.update({key: str(value) for key, value in getattr(cls, "default_error_messages", {}).items()})
    for validator in field.validators:
        code = getattr(validator, "code", None)
        if code:
            defaults[code] = str(validator.message)
    return defaults


def _forms() -> list[forms.Form]:
    return [connection_form_class(vendor)() for vendor in TEST_CREDENTIALS] + [ToggleForm()]


@pytest.mark.parametrize("form", _forms(), ids=lambda form: type(form).__name__)
def test_every_field_that_can_fail_has_our_own_message(form):
    for name, field in form.fields.items():
        if isinstance(field, forms.BooleanField) and not field.required:
            continue  # a box that may be left unticked never fails
        defaults = _django_defaults(field)
        codes = {code for code in defaults if code in {"required", "max_length", "invalid", "invalid_choice"}}
        codes |= {"min_value", "max_value"} & set(defaults)
        for code in codes:
            assert str(field.error_messages.get(code, defaults[code])) != defaults[code], f"{name}: {code}"


def test_a_too_long_name_reads_naturally_in_chinese(admin_client, form_data):
    response = admin_client.post(
        reverse("connections:create", args=["kingdee"]),
        form_data("kingdee", name="名" * 101, credential_app_key=""),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    html = response.content.decode()
    assert "最多 100 个字符（现在是 101 个）。" in html  # noqa: RUF001 - Chinese text uses full-width brackets
    assert "请填写此项。" in html
    assert "确保该变量" not in html
    assert "这个字段是必填项" not in html


def test_the_pages_speak_of_vendor_accounts(admin_client, make_connection):
    connection = make_connection("kingdee", name="精斗云·上海旗舰店")
    listing = admin_client.get(reverse("connections:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<h1>供应商账号</h1>" in listing
    assert "添加金蝶精斗云账号" in listing
    form = admin_client.get(
        reverse("connections:edit", args=[connection.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "编辑供应商账号“精斗云·上海旗舰店”" in form
    assert "返回供应商账号列表" in form
    assert "删除此供应商账号…" in form
    new = admin_client.get(reverse("connections:create", args=["xiaoe"]), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert "添加小鹅通账号" in new.decode()
