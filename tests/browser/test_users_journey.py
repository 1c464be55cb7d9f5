"""Journey: an admin creates a support user and hands over the set-password link; the new user sets a password,
logs in and looks up a member; the admin deactivates them, and the new user's next page sends them to log in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from audit.models import AuditAction, AuditEntry
from sandbox.demo import DEMO_IDENTIFIERS
from tests.browser.conftest import log_in

NEW_PASSWORD = "plum-kettle-orbit-4821"
MOBILE = DEMO_IDENTIFIERS["shared_mobile"]
TEXT = {
    "zh-hans": {"new_user": "新建用户", "create": "创建用户", "deactivate": "停用", "set": "设置密码"},
    "en": {"new_user": "New user", "create": "Create user", "deactivate": "Deactivate", "set": "Set password"},
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_admin_creates_a_support_user_who_works_until_deactivated(
    live_server, admin_user, fresh_sandbox, new_page, make_connection, language
):
    text = TEXT[language]
    connection = make_connection("kingdee", base_url=fresh_sandbox.base_url, name="精斗云·上海")
    admin = new_page(language)
    log_in(admin, live_server.url, "admin")

    admin.locator("nav.topnav").get_by_role("link", name=re.compile("用户与角色|Users & roles")).click()
    admin.get_by_role("link", name=text["new_user"]).click()
    admin.fill("input[name=username]", "zhangli")
    admin.fill("input[name=full_name]", "张丽")
    admin.select_option("select[name=role]", "Support")
    admin.get_by_role("button", name=text["create"]).click()
    link = admin.input_value("#password-link")
    assert link.startswith(f"{live_server.url}/accounts/set-password/")

    # The new user, in a browser of their own.
    staff = new_page(language)
    staff.goto(link)
    staff.fill("input[name=new_password1]", NEW_PASSWORD)
    staff.fill("input[name=new_password2]", NEW_PASSWORD)
    staff.get_by_role("button", name=text["set"]).click()
    staff.wait_for_url(re.compile(r"/accounts/login/"))
    staff.fill("input[name=username]", "zhangli")
    staff.fill("input[name=password]", NEW_PASSWORD)
    staff.locator("form button[type=submit].primary").click()
    staff.wait_for_url(re.compile(r"/members/"))
    staff.fill("#member-search-q", MOBILE)  # logging in lands on the lookup page and its box
    staff.keyboard.press("Enter")
    expect(staff.locator(f"#panel-{connection.pk}")).to_contain_text("张伟", timeout=15_000)
    # A support user: no way to the users page.
    expect(staff.locator("nav.topnav")).not_to_contain_text(re.compile("用户与角色|Users & roles"))

    admin.goto(f"{live_server.url}/users/")
    row = admin.locator("tr", has_text="zhangli")
    expect(row).to_contain_text("张丽")
    expect(row).to_contain_text(re.compile("客服|Support"))
    row.get_by_role("link", name="zhangli").click()
    admin.get_by_role("button", name=text["deactivate"], exact=True).click()
    expect(admin.locator(".messages")).to_contain_text("zhangli")

    # The very next page the new user opens asks them to log in, and logging in is refused.
    staff.goto(f"{live_server.url}/members/?q={MOBILE}")
    assert "/accounts/login/" in staff.url
    staff.fill("input[name=username]", "zhangli")
    staff.fill("input[name=password]", NEW_PASSWORD)
    staff.locator("form button[type=submit].primary").click()
    staff.wait_for_load_state("networkidle")
    assert "/accounts/login/" in staff.url
    expect(staff.locator(".alert.error")).to_be_visible()

    actions = list(AuditEntry.objects.filter(target="zhangli").order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.USER_CREATED, AuditAction.USER_PASSWORD_SET, AuditAction.USER_DEACTIVATED]
