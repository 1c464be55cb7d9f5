"""What a real vendor would break, over real HTTP against a sandbox at least as strict as the docs (issue 14):
a Xinyue token killed behind our back, a Kingdee type code with "~" and "*", a year of Xiaoe flows exported,
Kingdee rows in no order."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from connections.clients import connection_client
from ledger.services.members import VendorMember, member_page
from sandbox.data import BEIJING
from sandbox.demo import DEMO_IDENTIFIERS
from sandbox.testing import SandboxHandle, running_sandbox
from vendors.results import HistoryQuery, LookupKind, MemberRef

pytestmark = pytest.mark.e2e

FLOW_LIST = "calls:POST /xe.account.flow.list/1.0.0"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def manager(sandbox, manager_user) -> Client:
    sandbox.reset()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager_user)
    return client


def test_a_xinyue_token_killed_behind_our_back_heals_with_one_new_token(sandbox, manager, make_connection):
    connection = make_connection("xinyue", base_url=sandbox.base_url)
    url = f"/members/{connection.pk}/{DEMO_IDENTIFIERS['xinyue_openid']}/"
    assert manager.get(url).status_code == 200
    # Someone fetched a token for our appid: ours is dead, and the vendor says only 1001.
    sandbox.revoke_tokens("xinyue")
    page = manager.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "alert error" not in html
    assert "No points records" not in html
    counters = sandbox.counters()
    assert counters["token_rejections:xinyue"] >= 1
    assert counters["token_fetches:xinyue"] == 2  # the first, and exactly one new one


def test_a_kingdee_ledger_filtered_by_a_type_code_with_tilde_and_star_is_signed_right(
    sandbox, manager, make_connection
):
    connection = make_connection("kingdee", base_url=sandbox.base_url)
    page = manager.get("/ledger/", {"connection": connection.pk, "type_code": "a~b*c"})
    assert page.status_code == 200
    assert "alert error" not in page.content.decode()
    counters = sandbox.counters()
    assert counters["calls:GET /jdy/v2/ls/integral_record"] >= 1
    assert counters.get("signature_failures:kingdee", 0) == 0


def test_a_year_of_xiaoe_flows_exports_walking_each_month_once(sandbox, manager, make_connection, export_csv, settings):
    # One page at a time: the calls counted are then the pages read, not also the ones a busy machine fetched ahead.
    settings.EXPORT_JOB_CONCURRENCY = 1
    connection = make_connection("xiaoe", base_url=sandbox.base_url)
    member = sandbox.state.datasets["xiaoe"].by_id[DEMO_IDENTIFIERS["xiaoe_user_id_10k"]]
    today = timezone.now().astimezone(BEIJING).date()
    start = today - timedelta(days=365)
    url = f"/members/{connection.pk}/{member.member_id}/export/"
    rows = export_csv(manager, url, {"period": "custom", "start": start.isoformat(), "end": today.isoformat()})
    in_range = [r for r in member.records if start <= r.at.astimezone(BEIJING).date() <= today]
    assert len(rows) == len(in_range) == 10_000
    calls, pages = sandbox.counters()[FLOW_LIST], _pages_per_month(member)
    assert calls <= pages + 12, f"{calls} flow.list calls for {pages} pages"


def test_a_year_of_xiaoe_flows_read_page_after_page_by_one_client_walks_each_month_once(sandbox, make_connection):
    # The export job asks month by month; one client paging through the whole year (the member page's chart reads
    # several pages) must not walk back from the newest month for every page either: 801 calls where ~110 suffice.
    sandbox.reset()
    connection = make_connection("xiaoe", base_url=sandbox.base_url)
    member = sandbox.state.datasets["xiaoe"].by_id[DEMO_IDENTIFIERS["xiaoe_user_id_10k"]]
    client, ref = connection_client(connection), MemberRef(LookupKind.USER_ID, member.member_id)
    now = timezone.now()
    size = client.profile.max_page_size
    rows: list = []
    for number in range(1, 200):
        page = client.member_history(
            member=ref, query=HistoryQuery(start=now - timedelta(days=365), end=now, page=number, page_size=size)
        )
        rows += page.items
        if not page.has_next:
            break
    assert len({row.record_id for row in rows}) == len(rows) == 10_000
    calls, pages = sandbox.counters()[FLOW_LIST], _pages_per_month(member)
    assert calls <= pages + 12, f"{calls} flow.list calls for {pages} pages"


def _pages_per_month(member) -> int:
    """flow.list answers one month per call, 100 rows a page: reading each month's pages once is the least."""
    per_month = Counter(r.at.astimezone(BEIJING).strftime("%Y_%m") for r in member.records)
    return sum(math.ceil(count / 100) for count in per_month.values())


def test_kingdee_rows_in_no_order_still_give_the_newest_balance(sandbox, manager, make_connection):
    sandbox.set_knobs("kingdee", shuffle_rows=True)
    connection = make_connection("kingdee", base_url=sandbox.base_url)
    member = sandbox.state.datasets["kingdee-sh"].by_id[DEMO_IDENTIFIERS["kingdee_member_id_10k"]]
    now = timezone.now()
    query = HistoryQuery(start=now - timedelta(days=30), end=now + timedelta(hours=1), page_size=20)
    for _ in range(3):  # each page of rows comes in another order
        page = member_page(
            vendor_member=VendorMember(
                connection, connection_client(connection), MemberRef(LookupKind.MEMBER_ID, member.member_id)
            ),
            query=query,
        )
        assert page.balance.error is None
        assert page.balance.value.total == member.records[-1].balance_after
