"""The support desk against the sandbox over real HTTP: a mobile finds the same person at Xiaoe (through
xe.user.info.get) and at both Kingdee shops, Xinyue says why it was not asked, and a direct-link lookup sends
its first byte before any vendor answers."""

from __future__ import annotations

import re
import time

import pytest
import requests
from django.test import Client
from django.urls import reverse

from sandbox.demo import DEMO_CONNECTIONS, DEMO_IDENTIFIERS
from sandbox.testing import running_sandbox

pytestmark = pytest.mark.e2e

MOBILE = DEMO_IDENTIFIERS["shared_mobile"]
HANGZHOU = next(c for c in DEMO_CONNECTIONS if c["dataset"] == "kingdee-hz")


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def desk(sandbox, make_connection):
    sandbox.reset()
    return {
        "xinyue": make_connection("xinyue", base_url=sandbox.base_url, name="心悦俱乐部"),
        "xiaoe": make_connection("xiaoe", base_url=sandbox.base_url, name="小鹅通·知识店铺"),
        "shanghai": make_connection("kingdee", base_url=sandbox.base_url, name="精斗云·上海旗舰店"),
        "hangzhou": make_connection(
            "kingdee", base_url=sandbox.base_url, name="精斗云·杭州分店", credentials=dict(HANGZHOU["credentials"])
        ),
    }


def test_a_mobile_finds_the_same_person_at_xiaoe_and_both_kingdee_shops(sandbox, desk, support_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(support_user)
    html = client.get(reverse("ledger:member_search"), {"q": MOBILE, "all": "1"}).content.decode()
    for name in ("xiaoe", "shanghai", "hangzhou"):
        panel = re.search(
            rf'<section class="card member-panel member-panel-(\w+)" id="panel-{desk[name].pk}".*?</section>',
            html,
            re.S,
        )
        assert panel, name
        assert panel.group(1) == "found", panel.group(0)
        assert "张伟" in panel.group(0)
        assert "138****1111" in panel.group(0)
    assert reverse("ledger:member_detail", args=[desk["xiaoe"].pk, DEMO_IDENTIFIERS["xiaoe_user_id"]]) in html
    assert "心悦俱乐部只能按 openid 查询。" in html
    assert f'id="panel-{desk["xinyue"].pk}"' not in html
    assert sandbox.counters().get("calls:POST /xe.user.info.get/1.0.0") == 1  # stored as typed: one form sufficed


def test_a_phone_xiaoe_stores_with_the_country_code_is_found_by_the_second_form(sandbox, desk, support_user):
    # The sandbox stores everyone but the people the Kingdee shops share as "+86-…".
    member = next(m for m in sandbox.state.datasets["xiaoe"].members[200:] if m.records)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(support_user)
    url = reverse("ledger:member_panel", args=[desk["xiaoe"].pk])
    html = client.get(url, {"q": member.mobile}).content.decode()
    assert reverse("ledger:member_detail", args=[desk["xiaoe"].pk, member.member_id]) in html
    assert sandbox.counters().get("calls:POST /xe.user.info.get/1.0.0") == 2


def test_an_openid_is_a_hit_first_and_the_others_fold_into_one_line(sandbox, desk, support_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(support_user)
    html = client.get(
        reverse("ledger:member_search"), {"q": DEMO_IDENTIFIERS["xinyue_openid"], "all": "1"}
    ).content.decode()
    hit = html.index(f'id="panel-{desk["xinyue"].pk}"')
    missing = re.search(r'<p class="muted lookup-missing".*?</p>', html, re.S)
    assert hit < missing.start()
    assert "未找到" in missing.group(0)
    names = re.findall(r'<span class="missing-name"><span class="separator">、</span>([^<]+)</span>', missing.group(0))
    assert sorted(names) == sorted(["小鹅通·知识店铺", "精斗云·上海旗舰店", "精斗云·杭州分店"])


def test_a_direct_link_lookup_sends_its_first_byte_before_a_slow_vendor_answers(
    sandbox, live_server, support_user, make_connection
):
    make_connection("kingdee", base_url=sandbox.base_url, name="精斗云·上海旗舰店")
    make_connection("xiaoe", base_url=sandbox.base_url, name="小鹅通·知识店铺")
    client = Client()
    client.force_login(support_user)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    sandbox.set_knobs("kingdee", latency_ms=3000)
    try:
        with requests.Session() as session:
            session.get(f"{live_server.url}/accounts/login/", timeout=10)  # a warm server: the first request imports
            started = time.perf_counter()
            with session.get(
                f"{live_server.url}/members/?q={MOBILE}", cookies=cookies, stream=True, timeout=10
            ) as page:
                first_byte = next(page.iter_content(1))
                ttfb = time.perf_counter() - started
                html = first_byte + page.raw.read()
    finally:
        sandbox.set_knobs("kingdee", latency_ms=0)
    assert page.status_code == 200
    assert ttfb < 0.3, f"first byte after {ttfb:.2f} s"
    assert b'hx-trigger="load"' in html
    assert b'id="member-search-q"' in html
