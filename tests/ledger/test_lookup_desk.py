"""The support desk (issue 16): a mobile found at Xiaoe through xe.user.info.get, hits first and misses in one
line, the page painted before any vendor answers, errors worded for their reader, the desk's habits."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from audit.records import audit_record
from tests.ledger.conftest import (
    KINGDEE,
    MOBILE,
    XIAOE,
    XIAOE_BATCH_URL,
    kingdee_records,
    kingdee_token,
    record,
    records_reply,
    xiaoe_balances_reply,
    xiaoe_token,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("ledger:member_search")
USER_INFO_URL = XIAOE + "/xe.user.info.get/1.0.0"
FLOW_URL = XIAOE + "/xe.account.flow.list/1.0.0"
USER = "u_5f9a0c1d"


def user_info_bodies(vendor_http) -> list[dict]:
    return [json.loads(call.request.body) for call in vendor_http.calls if call.request.url == USER_INFO_URL]


def xiaoe_user(vendor_http, *, stored_phone: str, user_id: str = USER, nickname: str = "张伟") -> None:
    """xe.user.info.get answering for `stored_phone` exactly as stored (as the sandbox does), "no such user"
    otherwise; the user's balance and one flow of this month."""

    def reply(request):
        body = json.loads(request.body)
        if body.get("data", {}).get("phone") == stored_phone or body.get("user_id") == user_id:
            data = {"user_id": user_id, "phone": stored_phone, "nickname": nickname, "is_seal": 0}
            return 200, {}, json.dumps({"code": 0, "msg": "success", "data": data})
        return 200, {}, json.dumps({"code": 2010, "msg": "用户不存在", "data": None})

    xiaoe_token(vendor_http)
    vendor_http.add_callback("POST", USER_INFO_URL, callback=reply)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply([user_id]))
    flow = {
        "id": 1,
        "flow_id": "F1",
        "user_id": user_id,
        "flow_type": 1,
        "business_type": "001",
        "flow_count": 20,
        "balance": "900",
        "created_at": "2026-12-01 09:00:00",
        "remark": "签到奖励",
    }
    vendor_http.post(FLOW_URL, json={"code": 0, "msg": "ok", "data": {"list": [flow], "page": {"total": 1}}})


def kingdee_member(vendor_http, mobile: str = MOBILE) -> None:
    kingdee_token(vendor_http)
    row = record(member_mobile=mobile)
    kingdee_records(vendor_http, records_reply([row], page_size=1), page_size="1")
    kingdee_records(vendor_http, records_reply([row]))


# --- item 1: a mobile at Xiaoe ---------------------------------------------------------------------------------
@pytest.mark.parametrize("stored_phone", [MOBILE, f"+86-{MOBILE}"])
def test_a_mobile_finds_the_xiaoe_user_in_either_form_xiaoe_stores_it(
    support_client, vendor_http, xiaoe_connection, stored_phone
):
    xiaoe_user(vendor_http, stored_phone=stored_phone)
    url = reverse("ledger:member_panel", args=[xiaoe_connection.pk])
    html = support_client.get(url, {"q": MOBILE}).content.decode()
    assert "138****5678" in html  # the mobile the vendor gave, masked
    assert "张伟" in html
    assert "+20" in html  # the user's recent history
    assert reverse("ledger:member_detail", args=[xiaoe_connection.pk, USER]) in html  # by user id, never the mobile
    phones = [body["data"]["phone"] for body in user_info_bodies(vendor_http)]
    assert phones == ([MOBILE] if stored_phone == MOBILE else [MOBILE, f"+86-{MOBILE}"])
    assert all(body["data"]["field_list"] for body in user_info_bodies(vendor_http))


def test_a_reply_carrying_another_phone_is_not_the_member(support_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    other = {"code": 0, "msg": "success", "data": {"user_id": USER, "phone": "13900000000"}}
    vendor_http.post(USER_INFO_URL, json=other)
    url = reverse("ledger:member_panel", args=[xiaoe_connection.pk])
    html = support_client.get(url, {"q": MOBILE}).content.decode()
    assert "Not found at this vendor." in html
    assert USER not in html
    assert len(user_info_bodies(vendor_http)) == 2  # both forms asked
    assert not any(call.request.url == XIAOE_BATCH_URL for call in vendor_http.calls)


def test_an_empty_user_info_reply_is_not_found_not_an_error(support_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    vendor_http.post(USER_INFO_URL, json={"code": 0, "msg": "success", "data": {}})
    url = reverse("ledger:member_panel", args=[xiaoe_connection.pk])
    html = support_client.get(url, {"q": MOBILE}).content.decode()
    assert "Not found at this vendor." in html
    assert "alert error" not in html


def test_the_mobile_of_a_xiaoe_member_is_revealed_and_audited(manager_client, vendor_http, xiaoe_connection):
    xiaoe_user(vendor_http, stored_phone=f"+86-{MOBILE}")
    response = manager_client.post(
        reverse("ledger:reveal_mobile"), {"connection_id": xiaoe_connection.pk, "member_id": USER}
    )
    assert MOBILE in response.content.decode()
    assert user_info_bodies(vendor_http)[0]["user_id"] == USER
    entry = AuditEntry.objects.get(action=AuditAction.MOBILE_REVEALED)
    assert (entry.target, entry.details) == (USER, {"mobile": "138****5678"})


# --- item 2: the right answer first ----------------------------------------------------------------------------
def test_without_javascript_hits_come_first_then_errors_then_one_quiet_line(
    support_client, vendor_http, make_connection, xiaoe_connection
):
    broken = make_connection("kingdee", base_url="https://broken.vendor.test", name="精斗云·杭州分店")
    vendor_http.get("https://broken.vendor.test/jdyconnector/app_management/kingdee_auth_token", status=503)
    kingdee = make_connection("kingdee", base_url=KINGDEE, name="精斗云·上海旗舰店")
    kingdee_member(vendor_http)
    xiaoe_token(vendor_http)
    vendor_http.post(USER_INFO_URL, json={"code": 2010, "msg": "用户不存在", "data": None})

    html = support_client.get(SEARCH, {"q": MOBILE, "all": "1"}).content.decode()
    hit, error = html.index(f'id="panel-{kingdee.pk}"'), html.index(f'id="panel-{broken.pk}"')
    missing = re.search(r'<p class="muted lookup-missing".*?</p>', html, re.S)
    assert hit < error < missing.start()
    assert "小鹅通 店铺" in missing.group(0)
    assert f'id="panel-{xiaoe_connection.pk}"' not in html  # a miss is a name in the line, not a card


def test_with_htmx_a_hit_appends_itself_to_the_hits_and_a_miss_to_the_quiet_line(
    support_client, vendor_http, kingdee_connection, xiaoe_connection
):
    kingdee_member(vendor_http)
    xiaoe_token(vendor_http)
    vendor_http.post(USER_INFO_URL, json={"code": 2010, "msg": "用户不存在", "data": None})

    hit = support_client.get(
        reverse("ledger:member_panel", args=[kingdee_connection.pk]), {"q": MOBILE}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert hit.startswith('<div hx-swap-oob="beforeend:#lookup-found">')
    assert "138****5678" in hit

    miss = support_client.get(
        reverse("ledger:member_panel", args=[xiaoe_connection.pk]), {"q": MOBILE}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert miss.startswith('<span hx-swap-oob="beforeend:#lookup-missing-names">')
    assert "小鹅通 店铺" in miss
    assert "member-panel" not in miss


def test_with_htmx_an_error_stays_where_its_placeholder_was_with_its_retry(
    support_client, vendor_http, kingdee_connection
):
    kingdee_token(vendor_http)
    kingdee_records(
        vendor_http, {"errcode": 2000002000, "description": "系统错误,请到开发者社区提单反馈", "data": None}
    )
    url = reverse("ledger:member_panel", args=[kingdee_connection.pk])
    html = support_client.get(url, {"q": "M001"}, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-swap-oob" not in html
    assert html.lstrip().startswith(
        f'<section class="card member-panel member-panel-error" id="panel-{kingdee_connection.pk}"'
    )
    assert f"{url}?q=M001" in html  # Retry


def test_an_id_in_a_form_only_xiaoe_issues_is_asked_of_xiaoe_alone(
    support_client, vendor_http, kingdee_connection, xiaoe_connection
):
    html = support_client.get(SEARCH, {"q": "u_demo_000001"}).content.decode()
    assert reverse("ledger:member_panel", args=[xiaoe_connection.pk]) in html
    assert reverse("ledger:member_panel", args=[kingdee_connection.pk]) not in html

    html = support_client.get(SEARCH, {"q": "M001"}).content.decode()
    assert reverse("ledger:member_panel", args=[kingdee_connection.pk]) in html
    assert reverse("ledger:member_panel", args=[xiaoe_connection.pk]) in html  # could be a Xiaoe user id too


# --- item 3: progressive always --------------------------------------------------------------------------------
def test_a_direct_link_paints_placeholders_and_asks_no_vendor(support_client, vendor_http, kingdee_connection):
    response = support_client.get(SEARCH, {"q": "M001"})
    html = response.content.decode()
    assert "<html" in html
    assert 'hx-trigger="load"' in html
    assert f"{reverse('ledger:member_panel', args=[kingdee_connection.pk])}?q=M001" in html
    assert not vendor_http.calls
    assert f'<noscript><p><a href="{SEARCH}?q=M001&amp;all=1">' in html
    assert AuditEntry.objects.filter(action=AuditAction.MEMBER_LOOKUP).count() == 1


# --- item 8: errors for the reader -----------------------------------------------------------------------------
def _signature_refused(vendor_http):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, {}, status=519)


def test_a_support_user_never_sees_a_credential_hint(support_client, vendor_http, kingdee_connection):
    _signature_refused(vendor_http)
    html = support_client.get(SEARCH, {"q": "M001", "all": "1"}).content.decode()
    assert "Kingdee JDY refused the dashboard&#x27;s connection. Ask an admin to check it." in html
    assert "client secret" not in html
    assert "clock" not in html
    assert reverse("connections:edit", args=[kingdee_connection.pk]) not in html


def test_an_admin_sees_the_hint_and_a_link_to_the_connection(admin_client, vendor_http, kingdee_connection):
    _signature_refused(vendor_http)
    html = admin_client.get(SEARCH, {"q": "M001", "all": "1"}).content.decode()
    assert "Check the client secret and this server&#x27;s clock." in html
    assert reverse("connections:edit", args=[kingdee_connection.pk]) in html


def test_the_vendors_own_text_and_code_are_behind_details_in_the_readers_language(
    support_client, vendor_http, kingdee_connection
):
    kingdee_token(vendor_http)
    kingdee_records(
        vendor_http, {"errcode": 2000002000, "description": "系统错误,请到开发者社区提单反馈", "data": None}
    )
    url = reverse("ledger:member_panel", args=[kingdee_connection.pk])
    html = support_client.get(url, {"q": "M001"}).content.decode()
    message = re.search(r'<div class="alert error" role="alert">\s*<p>(.*?)</p>', html, re.S).group(1)
    assert message == "Kingdee JDY is having trouble right now. Try again in a moment."
    details = re.search(r"<details.*?</details>", html, re.S).group(0)
    assert "系统错误,请到开发者社区提单反馈" in details
    assert "code 2000002000" in details
    assert html.count("系统错误") == 1  # once, behind details

    zh = support_client.get(url, {"q": "M001"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "金蝶精斗云暂时出错，请稍后重试。" in zh  # noqa: RUF001 - Chinese punctuation


def test_a_request_the_vendor_rejects_says_what_to_do_with_the_vendors_words_behind_details(
    support_client, vendor_http, kingdee_connection
):
    kingdee_token(vendor_http)
    kingdee_records(vendor_http, {"errcode": 1001001, "description": "参数格式错误", "data": None})
    url = reverse("ledger:member_panel", args=[kingdee_connection.pk])
    zh = support_client.get(url, {"q": "M001"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    message = re.search(r'<div class="alert error" role="alert">\s*<p>(.*?)</p>', zh, re.S).group(1)
    assert message == "金蝶精斗云无法完成此次查询，请重试；如反复出现，请告知管理员。"  # noqa: RUF001
    details = re.search(r"<details.*?</details>", zh, re.S).group(0)
    assert "参数格式错误" in details
    assert "错误码 1001001" in details


# --- item 9: the desk's habits ---------------------------------------------------------------------------------
def test_the_lookup_page_has_one_focused_search_box_and_names_what_each_vendor_searches_by(
    support_client, kingdee_connection
):
    html = support_client.get(SEARCH).content.decode()
    assert 'id="global-search"' not in html  # the top bar's box is left out here
    assert re.search(r'<input id="member-search-q"[^>]*autofocus', html)
    hint = " ".join(re.search(r'<p id="lookup-searches-by".*?</p>', html, re.S).group(0).split())
    for words in ("Tencent Xinyue: by openid", "Xiaoe-tech: by user id or mobile number", "Kingdee JDY: by member id"):
        assert words in hint


def test_the_top_bar_search_box_is_on_other_pages(manager_client):
    assert 'id="global-search"' in manager_client.get(reverse("ledger:rankings")).content.decode()


def test_the_empty_page_lists_the_users_last_ten_distinct_lookups(support_client, support_user, manager_user):
    for target in ["M000", *[f"M{n:03d}" for n in range(1, 12)], "M011", MOBILE]:
        audit_record(user=support_user, action=AuditAction.MEMBER_LOOKUP, target=target)
    audit_record(user=manager_user, action=AuditAction.MEMBER_LOOKUP, target="SOMEONE-ELSES")
    audit_record(user=support_user, action=AuditAction.MEMBER_VIEW, target="VIEWED")
    html = support_client.get(SEARCH).content.decode()
    recent = re.search(r'<section class="recent-lookups".*?</section>', html, re.S).group(0)
    shown = re.findall(r'class="mono"[^>]*>([^<]+)<', recent)
    assert shown == ["138****5678", "M011", "M010", "M009", "M008", "M007", "M006", "M005", "M004", "M003"]
    assert f'href="{SEARCH}?q=M011"' in recent
    assert "?q=138" not in recent  # a masked mobile cannot be searched: shown, not linked
    assert "SOMEONE-ELSES" not in html


def test_panels_announce_themselves_and_ids_have_copy_buttons(support_client, vendor_http, kingdee_connection):
    kingdee_member(vendor_http)
    html = support_client.get(SEARCH, {"q": "M001", "all": "1"}).content.decode()
    assert '<div id="lookup-found" class="grid member-panels" aria-live="polite">' in html
    assert 'data-copy="M001"' in html
    assert "<script>" not in html  # behaviour lives in static/js/app.js (a CSP without inline scripts)


def test_the_xiaoe_member_page_shows_the_mobile_masked_with_its_reveal(
    manager_client, support_client, vendor_http, xiaoe_connection
):
    xiaoe_user(vendor_http, stored_phone=f"+86-{MOBILE}")
    url = reverse("ledger:member_detail", args=[xiaoe_connection.pk, USER])
    html = manager_client.get(url).content.decode()
    balance = re.search(r'<section class="card balance-card">.*?</section>', html, re.S).group(0)
    assert "138****5678" in balance
    assert MOBILE not in html
    assert reverse("ledger:reveal_mobile") in balance  # a manager may reveal it (audited)
    support = support_client.get(url).content.decode()
    assert "138****5678" in support
    assert reverse("ledger:reveal_mobile") not in support  # support may not


def test_a_failing_user_lookup_leaves_the_xiaoe_member_page_its_balance(manager_client, vendor_http, xiaoe_connection):
    xiaoe_token(vendor_http)
    vendor_http.post(USER_INFO_URL, status=503)
    vendor_http.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply([USER]))
    vendor_http.post(FLOW_URL, json={"code": 0, "msg": "ok", "data": {"list": [], "page": {"total": 0}}})
    response = manager_client.get(reverse("ledger:member_detail", args=[xiaoe_connection.pk, USER]))
    assert response.status_code == 200
    balance = re.search(r'<section class="card balance-card">.*?</section>', response.content.decode(), re.S).group(0)
    assert "alert error" not in balance
    assert "138****" not in balance
