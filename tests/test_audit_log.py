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
