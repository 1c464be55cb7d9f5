"""The member page against the sandbox over real HTTP: an unknown member is a 404 at every vendor, and the
period's chart and totals agree with the export of the same filters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from sandbox.demo import DEMO_IDENTIFIERS
from sandbox.testing import SandboxHandle, running_sandbox

pytestmark = pytest.mark.django_db

KNOWN = {
    "xinyue": DEMO_IDENTIFIERS["xinyue_openid"],
    "xiaoe": DEMO_IDENTIFIERS["xiaoe_user_id"],
    "kingdee": DEMO_IDENTIFIERS["kingdee_member_id"],
}
UNKNOWN = {"xinyue": "oXyNoSuch", "xiaoe": "u_nosuch_000001", "kingdee": "NOSUCH1"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def connections(sandbox, make_connection):
    sandbox.reset()
    return {
        vendor: make_connection(vendor, base_url=sandbox.base_url, name=f"{vendor} shop")
        for vendor in ("xinyue", "xiaoe", "kingdee")
    }


@pytest.fixture
def manager(manager_user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager_user)
    return client


@pytest.mark.parametrize("vendor", ["xinyue", "xiaoe", "kingdee"])
def test_an_unknown_member_is_not_found_and_a_known_one_is(connections, manager, vendor):
    connection = connections[vendor]
    missing = manager.get(f"/members/{connection.pk}/{UNKNOWN[vendor]}/")
    assert missing.status_code == 404
    assert "Member not found" in missing.content.decode()
    assert 'name="q"' in missing.content.decode()
    assert manager.get(f"/members/{connection.pk}/{KNOWN[vendor]}/").status_code == 200


@pytest.mark.parametrize("vendor", ["xinyue", "xiaoe", "kingdee"])
def test_the_period_totals_equal_the_sum_of_the_exported_rows(connections, manager, vendor, export_csv):
    url = f"/members/{connections[vendor].pk}/{KNOWN[vendor]}/"
    filters = {"period": "custom", "start": (timezone.localdate() - timedelta(days=300)).isoformat()}
    html = manager.get(url + "summary/", filters).content.decode()
    totals = html.split('class="balance period-totals"')[1].split("</dl>")[0]
    shown = [Decimal(v.replace(",", "")) for v in re.findall(r'<dd class="num[^"]*">([^<]+)</dd>', totals)]
    changes = [Decimal(row["Change"]) for row in export_csv(manager, url + "export/", filters)]
    assert changes, "the demo member has records in the period"
    earned = sum((c for c in changes if c > 0), Decimal(0))
    redeemed = -sum((c for c in changes if c < 0), Decimal(0))
    assert shown == [earned, redeemed, earned - redeemed]
    # Rows without a balance (Xinyue, Xiaoe) are drawn as daily net change, never as a balance line.
    assert ("<polyline" in html) == (vendor == "kingdee")
