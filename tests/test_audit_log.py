"""The audit log page pages as the list pages do: links that keep the filters and swap only the table."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import AuditAction
from audit.records import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def entries(admin_user, support_user):
    for number in range(120):
        audit_record(user=support_user, action=AuditAction.MEMBER_LOOKUP, target=f"M{number:04d}")
    audit_record(user=admin_user, action=AuditAction.CONNECTION_CREATED, target="kingdee-test")


def _pagination(html: str) -> str:
    return html.split('<nav class="pagination"')[1].split("</nav>")[0]


def test_the_audit_log_pages_keep_the_filters_and_swap_the_table(admin_client, entries):
    html = admin_client.get(reverse("audit_log"), {"action": "member_lookup", "page": "2"}).content.decode()
    nav = _pagination(html)
    # First, previous, next, last: each a real address that htmx fetches into the table.
    links = re.findall(r'<a class="button" href="\?([^"]+)" hx-get="\?([^"]+)" hx-target="#audit-table"', nav)
    assert [(href.split("page=")[1], href == hx) for href, hx in links] == [("1", True)] * 2 + [("3", True)] * 2
    assert all(href.startswith("action=member_lookup&amp;") for href, _hx in links)
    assert "Page 2 of 3" in nav
    assert "120 entries" in html
    assert "M0069" in html  # newest first: page 2 holds the 51st to the 100th
    assert "M0070" not in html


def test_a_page_past_the_end_shows_the_last(admin_client, entries):
    html = admin_client.get(reverse("audit_log"), {"page": "99"}).content.decode()
    assert "Page 3 of 3" in _pagination(html)
    assert 'rel="next"' not in html
    assert "M0000" in html


def test_the_audit_log_in_chinese(admin_client, entries):
    admin_client.cookies["django_language"] = "zh-hans"
    html = admin_client.get(reverse("audit_log")).content.decode()
    assert "共 121 条" in html
    assert "第 1 / 3 页" in _pagination(html)


# --- filters ---------------------------------------------------------------------------------------------------
def _rows(html: str) -> str:
    return html.split("<tbody>")[1].split("</tbody>")[0]


@pytest.fixture
def mixed(admin_user, support_user, make_connection):
    kingdee = make_connection("kingdee", name="精斗云 门店")
    xiaoe = make_connection("xiaoe", name="小鹅通 店铺")
    audit_record(user=support_user, action=AuditAction.MEMBER_VIEW, target="M001", connection=kingdee)
    audit_record(user=support_user, action=AuditAction.MEMBER_VIEW, target="M001", connection=xiaoe)
    audit_record(user=admin_user, action=AuditAction.MEMBER_VIEW, target="M002", connection=kingdee)
    audit_record(
        user=support_user, action=AuditAction.MEMBER_LOOKUP, target="13811111111", details={"connections": [1]}
    )
    return kingdee, xiaoe


def test_filtering_by_target_and_connection_shows_who_looked_a_member_up(admin_client, mixed):
    kingdee, _xiaoe = mixed
    html = admin_client.get(reverse("audit_log"), {"target": "M001", "connection": kingdee.pk}).content.decode()
    rows = _rows(html)
    assert rows.count("<tr>") == 1
    assert "Opened the page of member M001" in rows
    assert "1 entry" in html


def test_a_full_mobile_finds_the_masked_entries(admin_client, mixed):
    html = admin_client.get(reverse("audit_log"), {"target": "13811111111"}).content.decode()
    assert _rows(html).count("<tr>") == 1
    assert "Looked up 138****1111, asked 1 connection" in html
    assert "13811111111" not in _rows(html)


def test_filtering_by_user_and_action(admin_client, mixed, admin_user):
    html = admin_client.get(reverse("audit_log"), {"user": admin_user.pk, "action": "member_view"}).content.decode()
    assert _rows(html).count("<tr>") == 1
    assert "M002" in _rows(html)


def test_filtering_by_date_range(admin_client, mixed):
    from audit.models import AuditEntry

    AuditEntry.objects.filter(target="M002").update(created_at="2026-01-15T12:00:00+08:00")
    html = admin_client.get(reverse("audit_log"), {"start": "2026-01-15", "end": "2026-01-15"}).content.decode()
    assert _rows(html).count("<tr>") == 1
    assert "M002" in _rows(html)


def test_a_day_runs_from_midnight_to_midnight_beijing_time(admin_client, mixed):
    from audit.models import AuditEntry

    # M001's two entries fall on the first and the last moment of 15 January in Beijing; M002 at the next midnight.
    first, last = AuditEntry.objects.filter(target="M001")
    AuditEntry.objects.filter(pk=first.pk).update(created_at="2026-01-15T00:00:00+08:00")
    AuditEntry.objects.filter(pk=last.pk).update(created_at="2026-01-15T23:59:59.999999+08:00")
    AuditEntry.objects.filter(target="M002").update(created_at="2026-01-16T00:00:00+08:00")
    html = admin_client.get(reverse("audit_log"), {"start": "2026-01-15", "end": "2026-01-15"}).content.decode()
    assert _rows(html).count("<tr>") == 2
    assert "M002" not in _rows(html)
    html = admin_client.get(reverse("audit_log"), {"start": "2026-01-16"}).content.decode()
    assert "M002" in _rows(html)
    assert "M001" not in _rows(html)


@pytest.mark.parametrize("dates", [{"start": "0001-01-01"}, {"end": "9999-12-31"}])
def test_the_first_and_last_days_a_date_can_be_hold_every_entry(admin_client, mixed, dates):
    response = admin_client.get(reverse("audit_log"), dates)
    assert response.status_code == 200
    assert _rows(response.content.decode()).count("<tr>") == 4


def test_filters_that_are_not_valid_are_named_in_our_own_words(admin_client, mixed):
    html = admin_client.get(
        reverse("audit_log"), {"start": "yesterday", "connection": "99999", "target": "x" * 300}
    ).content.decode()
    assert "Enter a date such as 2026-12-01." in html
    assert "There is no such vendor account." in html
    assert "A target is at most 255 characters long." in html
    assert _rows(html).count("<tr>") == 4  # the invalid filters are ignored


def test_an_end_before_the_start_is_refused(admin_client, mixed):
    html = admin_client.get(reverse("audit_log"), {"start": "2026-02-01", "end": "2026-01-01"}).content.decode()
    assert "The end date is before the start date." in html


def test_the_details_are_sentences_not_developer_strings(admin_client, mixed):
    html = admin_client.get(reverse("audit_log")).content.decode()
    assert "connections=" not in html
    assert "Looked up 138****1111" in html


def test_the_folded_filter_form_says_what_is_applied(admin_client, mixed, admin_user):
    html = admin_client.get(reverse("audit_log"), {"user": admin_user.pk, "action": "member_view"}).content.decode()
    summary = html.split('<span class="filter-summary muted">')[1].split("</span>")[0]
    assert summary == f"User: {admin_user.username} · Action: Member page viewed"


def test_support_staff_cannot_read_the_audit_log(support_client):
    assert support_client.get(reverse("audit_log")).status_code == 403
