"""Every URL that shows a member's data writes exactly one audit row per request, found from the URLconf.

The routes are walked from the URLconf: a route under /members/ whose view lacks `@shows_member_data` fails,
and every marked view must have a request recipe here, so a new URL cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import responses
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.decorators import is_member_data_view
from audit.models import AuditEntry
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


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Callable]]:
    """(route, name, view) of every URL pattern, included URLconfs followed."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            yield prefix + str(pattern.pattern), name, pattern.callback


ROUTES = list(walk(get_resolver().url_patterns))
MEMBER_DATA_ROUTES = sorted(name for _, name, view in ROUTES if is_member_data_view(view))


def test_every_route_under_members_is_marked_as_showing_member_data():
    unmarked = [route for route, _, view in ROUTES if route.startswith("members/") and not is_member_data_view(view)]
    assert unmarked == []


def test_the_walk_finds_the_member_data_views():
    # A walk that found nothing would let the tests below pass vacuously.
    assert {"ledger:member_panel", "ledger:member_detail", "ledger:member_export"} <= set(MEMBER_DATA_ROUTES)


@pytest.fixture
def vendors(make_connection) -> Iterator[dict[str, Any]]:
    kingdee = make_connection("kingdee", base_url=KINGDEE, name="精斗云 门店")
    xiaoe = make_connection("xiaoe", base_url=XIAOE, name="小鹅通 店铺")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        kingdee_token(mock)
        kingdee_records(mock, records_reply([record(member_mobile=MOBILE)], page_size=1), page_size="1")
        kingdee_records(mock, records_reply([record(member_mobile=MOBILE)]))
        xiaoe_token(mock)
        mock.post(XIAOE_BATCH_URL, json=xiaoe_balances_reply(["u1", "u2"], total=2))
        yield {"kingdee": kingdee, "xiaoe": xiaoe}


# url name → (method, URL, data) for a request that shows a member's data. Add one with each new marked view.
RECIPES: dict[str, Callable[[dict[str, Any]], tuple[str, str, dict[str, Any]]]] = {
    "ledger:member_search": lambda c: ("get", reverse("ledger:member_search"), {"q": "M001"}),
    "ledger:member_panel": lambda c: ("get", reverse("ledger:member_panel", args=[c["kingdee"].pk]), {"q": "M001"}),
    "ledger:member_detail": lambda c: ("get", reverse("ledger:member_detail", args=[c["kingdee"].pk, "M001"]), {}),
    "ledger:member_period_summary": lambda c: (
        "get",
        reverse("ledger:member_period_summary", args=[c["kingdee"].pk, "M001"]),
        {},
    ),
    # An export button starts a job (one audit row; it runs after the request) and leads to the job's page.
    "ledger:member_export": lambda c: (
        "post",
        reverse("ledger:member_export", args=[c["kingdee"].pk, "M001"]),
        {"format": "csv"},
    ),
    "ledger:reveal_mobile": lambda c: (
        "post",
        reverse("ledger:reveal_mobile"),
        {"connection_id": c["kingdee"].pk, "member_id": "M001"},
    ),
    "ledger:rankings": lambda c: ("get", reverse("ledger:rankings"), {"connection": c["xiaoe"].pk}),
    "ledger:rankings_export": lambda c: (
        "post",
        reverse("ledger:rankings_export") + f"?connection={c['xiaoe'].pk}",
        {"format": "csv"},
    ),
    "ledger:shop_ledger": lambda c: ("get", reverse("ledger:shop_ledger"), {"member_id": "M001"}),
    "ledger:shop_ledger_export": lambda c: (
        "post",
        reverse("ledger:shop_ledger_export") + "?member_id=M001",
        {"format": "csv"},
    ),
    # The audit log's targets are members' ids and masked mobiles: its export is a member-data export too.
    "audit_log_export": lambda c: ("post", reverse("audit_log_export") + "?target=M001", {"format": "csv"}),
    "exports:download": lambda c: ("get", reverse("exports:download", args=[_finished_export(c).pk]), {}),
}


def _finished_export(c: dict[str, Any]) -> Any:
    """A done export job with its file, made directly (making it through the button would write audit rows)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from exports.models import ExportJob, ExportStatus

    job = ExportJob.objects.create(
        owner_name="manager",
        kind="shop_ledger",
        connection=c["kingdee"],
        connection_name=c["kingdee"].name,
        format="csv",
        language="en",
        time_zone="Asia/Shanghai",
        status=ExportStatus.DONE,
        rows_written=1,
        finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=1),
    )
    job.file.save(f"{job.pk}.csv", ContentFile("\ufeffM001\n".encode()))
    return job


def test_every_marked_view_has_a_request_recipe():
    assert sorted(RECIPES) == MEMBER_DATA_ROUTES


@pytest.mark.parametrize("name", MEMBER_DATA_ROUTES)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_member_data_request_writes_exactly_one_audit_row(admin_user, vendors, name, htmx):
    client = Client()
    client.force_login(admin_user)
    method, url, data = RECIPES[name](vendors)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = getattr(client, method)(url, data, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    # 200, or for an export button (a POST) the redirect to the job it started.
    assert response.status_code == (302 if method == "post" and "/export/" in url else 200), body[:500]
    assert AuditEntry.objects.count() == 1


def test_a_lazy_lookup_writes_one_row_for_the_search_and_one_per_panel_shown(admin_user, vendors):
    client = Client()
    client.force_login(admin_user)
    client.get(reverse("ledger:member_search"), {"q": "M001"}, HTTP_HX_REQUEST="true")
    client.get(reverse("ledger:member_panel", args=[vendors["kingdee"].pk]), {"q": "M001"}, HTTP_HX_REQUEST="true")
    rows = list(AuditEntry.objects.order_by("id").values_list("action", "connection_id", "target"))
    assert rows == [("member_lookup", None, "M001"), ("member_panel_view", vendors["kingdee"].pk, "M001")]
