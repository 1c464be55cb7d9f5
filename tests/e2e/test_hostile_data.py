"""Hostile vendor data over real HTTP (the sandbox's `hostile_data` knob): a 200,000-character field, a number
of 10^30, a member id with "/", an id of markup and "../". Each degrades one row or one panel, never the page:
every page answers 200 (never a bare 500), stays small, and the other vendors' panels are intact."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client

from sandbox.demo import DEMO_IDENTIFIERS
from sandbox.hostile import HOSTILE_KINDS, LONG_TEXT, UNSAFE_ID
from sandbox.testing import SandboxHandle, running_sandbox

pytestmark = pytest.mark.e2e

MEMBERS = {
    "xinyue": DEMO_IDENTIFIERS["xinyue_openid"],
    "xiaoe": DEMO_IDENTIFIERS["xiaoe_user_id"],
    "kingdee": DEMO_IDENTIFIERS["kingdee_member_id"],
}
# A page is a few hundred kB at most; one 200,000-character field repeated in it would make megabytes.
MAX_PAGE_BYTES = 1_000_000


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def connections(sandbox, make_connection):
    sandbox.reset()
    return {
        vendor: make_connection(vendor, base_url=sandbox.base_url, name=f"{vendor} shop", timeout_seconds=5)
        for vendor in ("xinyue", "xiaoe", "kingdee")
    }


@pytest.fixture
def client(admin_user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    return client


def _panel(html: str, connection_id: int) -> str:
    match = re.search(rf'<section class="card member-panel[^"]*" id="panel-{connection_id}".*?</section>', html, re.S)
    assert match, f"no panel for connection {connection_id}"
    return match.group(0)


def _get(client: Client, url: str, params: dict | None = None) -> str:
    response = client.get(url, params or {})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, (url, response.status_code, body[:300])
    assert len(body) < MAX_PAGE_BYTES, (url, len(body))
    html = body.decode()
    assert "Traceback" not in html
    assert LONG_TEXT[:1000] not in html
    assert UNSAFE_ID[:20] not in html  # neither shown raw nor linked
    return html


def _pages(client: Client, connections: dict, vendor: str) -> dict[str, str]:
    failing = connections[vendor]
    member = MEMBERS[vendor]
    pages = {
        # The page that renders every vendor's panel itself (without JavaScript; with it, each panel loads alone).
        "lookup": _get(client, "/members/", {"q": member, "all": "1"}),
        "panel": _get(client, f"/members/panel/{failing.pk}/", {"q": member}),
        "member": _get(client, f"/members/{failing.pk}/{member}/"),
    }
    if vendor == "xiaoe":
        pages["rankings"] = _get(client, "/balances/", {"connection": failing.pk})
    if vendor == "kingdee":
        pages["ledger"] = _get(client, "/ledger/", {"connection": failing.pk})
    return pages


@pytest.mark.parametrize("vendor", ["xinyue", "xiaoe", "kingdee"])
@pytest.mark.parametrize("kind", HOSTILE_KINDS)
def test_hostile_data_degrades_one_panel_at_most(sandbox, connections, client, vendor, kind):
    sandbox.set_knobs(vendor, hostile_data=kind)
    pages = _pages(client, connections, vendor)
    for other in connections.values():
        if other.vendor != vendor and f'id="panel-{other.pk}"' in pages["lookup"]:
            assert "alert error" not in _panel(pages["lookup"], other.pk)


@pytest.mark.parametrize("vendor", ["xiaoe", "kingdee"])
def test_a_200000_character_field_is_cut_with_an_ellipsis(sandbox, connections, client, vendor):
    sandbox.set_knobs(vendor, hostile_data="long_text")
    member = _get(client, f"/members/{connections[vendor].pk}/{MEMBERS[vendor]}/")
    assert "超长" in member
    assert "…" in member


# Xinyue rows carry no member id, and its panel does not read record ids: nothing for unsafe_id to break.
@pytest.mark.parametrize(
    ("vendor", "kind"),
    [("xinyue", "huge_number"), ("xiaoe", "huge_number"), ("kingdee", "huge_number"), ("xiaoe", "unsafe_id"),
     ("kingdee", "unsafe_id")],
)  # fmt: skip
def test_a_value_out_of_bounds_is_refused_in_its_own_panel(sandbox, connections, client, vendor, kind):
    sandbox.set_knobs(vendor, hostile_data=kind)
    lookup = _get(client, "/members/", {"q": MEMBERS[vendor], "all": "1"})
    assert "could not read" in _panel(lookup, connections[vendor].pk)


def test_a_member_id_with_a_slash_is_linked_on_rankings_ledger_and_panel(sandbox, connections, client):
    sandbox.set_knobs("xiaoe", hostile_data="slash_id")
    sandbox.set_knobs("kingdee", hostile_data="slash_id")
    xiaoe, kingdee = connections["xiaoe"], connections["kingdee"]
    rankings = _get(client, "/balances/", {"connection": xiaoe.pk})
    assert re.search(rf'href="/members/{xiaoe.pk}/shop/[^"]+/"', rankings)
    ledger = _get(client, "/ledger/", {"connection": kingdee.pk})
    assert re.search(rf'href="/members/{kingdee.pk}/shop/[^"]+/"', ledger)
    # Looked up by mobile, the panel links the member page by the vendor's own member id.
    panel = _get(client, f"/members/panel/{kingdee.pk}/", {"q": DEMO_IDENTIFIERS["shared_mobile"]})
    link = re.search(rf'href="(/members/{kingdee.pk}/shop/[^"]+/)"', panel)
    assert link, panel
    # Kingdee's profile looks member ids up by [A-Za-z0-9_-]: the member page is our own 404 page, not a crash.
    followed = client.get(link.group(1))
    assert followed.status_code == 404
    assert "Back to member search" in followed.content.decode()


def test_the_sandbox_refuses_an_unknown_hostile_kind(sandbox):
    import requests

    response = requests.post(f"{sandbox.base_url}/_sandbox/config", json={"xiaoe": {"hostile_data": "x"}}, timeout=5)
    assert response.status_code == 400
