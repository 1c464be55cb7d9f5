"""Journey 3: an admin adds a Kingdee connection with a wrong secret and is told at once, on saving, that the
vendor refused it (the save runs the connection test); tests it again from the list and sees a clear failure;
fixes the secret, is told on saving that the vendor accepted it, tests again and sees success with latency; the
secret is nowhere in the page source."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from connections.models import VendorConnection
from tests.browser.conftest import log_in
from tests.conftest import TEST_CREDENTIALS

WRONG_SECRET = "kd-wrong-client-secret-000000"
EXPECTED = {
    "zh-hans": {
        "failed": "失败",
        "passed": "通过",
        "refused": "但供应商没有接受这些设置",
        "accepted": "供应商接受了这些设置",
    },
    "en": {
        "failed": "Failed",
        "passed": "Passed",
        "refused": "is saved, but the vendor did not accept it",
        "accepted": "is saved and the vendor accepted it",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_admin_adds_tests_and_fixes_a_kingdee_connection(live_server, admin_user, fresh_sandbox, new_page, language):
    credentials = TEST_CREDENTIALS["kingdee"]
    page = new_page(language)
    log_in(page, live_server.url, "admin")

    page.goto(f"{live_server.url}/connections/new/kingdee/")
    page.fill("input[name=name]", f"精斗云测试 {language}")
    page.fill("input[name=base_url]", fresh_sandbox.base_url)
    page.fill("input[name=credential_client_id]", credentials["client_id"])
    page.fill("input[name=credential_client_secret]", WRONG_SECRET)
    page.fill("input[name=credential_app_key]", credentials["app_key"])
    page.fill("input[name=credential_app_secret]", credentials["app_secret"])
    page.fill("input[name=credential_domain]", credentials["domain"])
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state("networkidle")
    connection = VendorConnection.objects.get(name=f"精斗云测试 {language}")
    # Told at once: the save ran the test, and the admin is back on the form to fix it.
    expect(page.locator(".messages .message.error")).to_contain_text(EXPECTED[language]["refused"])
    assert page.url.endswith(f"/connections/{connection.pk}/edit/")
    assert WRONG_SECRET not in page.content()

    page.goto(f"{live_server.url}/connections/")
    row = page.locator(f"#connection-{connection.pk}")
    row.get_by_role("button", name=re.compile("测试连接|Test connection")).click()
    result = page.locator(f"#test-result-{connection.pk}")
    expect(result.locator(".badge.bad")).to_have_text(EXPECTED[language]["failed"])
    assert fresh_sandbox.counters().get("signature_failures:kingdee", 0) >= 1
    assert WRONG_SECRET not in page.content()

    page.goto(f"{live_server.url}/connections/{connection.pk}/edit/")
    # Secrets are write-only: the form shows that one is stored, never its value.
    assert page.input_value("input[name=credential_client_secret]") == ""
    page.fill("input[name=credential_client_secret]", credentials["client_secret"])
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages .message.success")).to_contain_text(EXPECTED[language]["accepted"])

    page.goto(f"{live_server.url}/connections/")
    page.locator(f"#connection-{connection.pk}").get_by_role(
        "button", name=re.compile("测试连接|Test connection")
    ).click()
    expect(result.locator(".badge.ok")).to_have_text(EXPECTED[language]["passed"])
    expect(result).to_contain_text(re.compile(r"\d+\s*(ms|毫秒)"))

    html = page.content()
    for secret in (WRONG_SECRET, credentials["client_secret"], credentials["app_secret"]):
        assert secret not in html
    page.goto(f"{live_server.url}/connections/{connection.pk}/edit/")
    for secret in (credentials["client_secret"], credentials["app_secret"]):
        assert secret not in page.content()
