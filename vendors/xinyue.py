"""Tencent 心悦 (Xinyue) upbot API. Contract: vendor-docs/tencent-xinyue-GetUserClubPointsList.md, VENDORS.md §1."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vendors.base import CredentialField, MemberIdentifier, VendorProfile
from vendors.exceptions import VendorRejected
from vendors.http import CodeMessageClient, Headers, JsonObject, result_page
from vendors.parsing import (
    DESCRIPTION_MAX_LENGTH,
    as_code,
    as_decimal,
    as_id,
    as_list,
    as_mapping,
    as_optional_int,
    as_text,
    from_epoch,
)
from vendors.results import (
    Capability,
    Direction,
    HistoryQuery,
    LookupKind,
    MemberBalance,
    MemberRef,
    PointsTransaction,
    ResultPage,
)
from vendors.tokens import AccessToken, access_token_from

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

AUTH_PATH = "/upbot/api/auth/GetAccessToken"
HISTORY_PATH = "/upbot/api/GetUserClubPointsList"
BALANCE_PATH = "/upbot/api/GetUserClubPoints"

# bill_type 1 = add, 2 = subtract (the doc's reply table).
_BILL_TYPES = {1: Direction.ADD, 2: Direction.SUBTRACT}


class XinyueClient(CodeMessageClient):
    profile = VendorProfile(
        key="xinyue",
        display_name=_("Tencent Xinyue"),
        capabilities=frozenset({Capability.MEMBER_BALANCE, Capability.MEMBER_HISTORY}),
        identifiers=(MemberIdentifier(LookupKind.OPENID, _("openid"), pattern=r"[A-Za-z0-9_-]{6,64}"),),
        default_base_url="https://bgw.xinyue.qq.com",
        credential_fields=(
            CredentialField("appid", _("App ID"), secret=False),
            CredentialField("app_secret", _("App secret")),
        ),
        # The endpoint filters by time only (no direction, type or balance per row); one call answers any range.
    )
    # {"ret", "msg", "data"}; the doc marks even `ret` as optional (VENDORS.md §1).
    code_key = "ret"
    code_optional = True
    # No "token expired" code is documented, and a dead token may come back as the generic 1001 (VENDORS.md §1).
    any_refusal_may_be_dead_token = True

    # --- authentication -----------------------------------------------------------------------------
    def fetch_token(self) -> AccessToken:
        # grant_type is "client_credentials" here (plural), unlike Xiaoe's (VENDORS.md §1).
        body = {
            "appid": self.credential("appid"),
            "app_secret": self.credential("app_secret"),
            "grant_type": "client_credentials",
        }
        return access_token_from(self.send_token_request("POST", AUTH_PATH, json=body), vendor=self.vendor)

    def authorised(self, body: Mapping[str, Any], token: str) -> tuple[JsonObject, Headers]:
        # The token goes raw in Authorization, with no "Bearer" (VENDORS.md §1).
        return dict(body), {"Authorization": token}

    # --- operations ---------------------------------------------------------------------------------
    def test_connection(self) -> str:
        self.tokens.get()
        # One cheap read: a page of an openid nobody has. Any answer but an auth error proves the token works.
        try:
            self._post(HISTORY_PATH, {"openid": "pointsadmin-connection-test", "page": 1, "page_size": 1})
        except VendorRejected as error:
            message = gettext("Token accepted; the vendor answered a test query with: %(message)s")
            return message % {"message": error.message}
        return gettext("Token accepted; a test query succeeded.")

    def member_balance(self, *, member: MemberRef) -> MemberBalance | None:
        data = self._post(BALANCE_PATH, {"openid": self.member_value(member, LookupKind.OPENID)})
        # No data, or no amount in it: a member the vendor does not know.
        if data is None or as_mapping(data, "data", vendor=self.vendor).get("amount") is None:
            return None
        amount = as_decimal(data["amount"], "data.amount", vendor=self.vendor)
        return MemberBalance(
            connection_id=self.config.id,
            member_id=member.value.strip(),
            # Xinyue has no frozen points: the amount is both the total and what the member can spend.
            total=amount,
            available=amount,
            frozen=None,
            as_of=timezone.now(),
            raw=data,
        )

    def member_history(self, *, member: MemberRef, query: HistoryQuery) -> ResultPage[PointsTransaction]:
        self.check_history_query(query)
        openid = self.member_value(member, LookupKind.OPENID)
        body = {
            "openid": openid,
            # Unix milliseconds (the vendor's docs since Oct 2023, VENDORS.md §1); 0 = unbounded.
            "start_time": _unix_ms(query.start),
            "end_time": _unix_ms(query.end, end=True),
            "page": query.page,
            "page_size": query.page_size,
        }
        data = self._post(HISTORY_PATH, body)
        data = as_mapping(data if data is not None else {}, "data", vendor=self.vendor)
        rows = as_list(data.get("list"), "data.list", vendor=self.vendor)
        items = [self._transaction(row, openid, index) for index, row in enumerate(rows)]
        total = as_optional_int(data.get("total"), "data.total", vendor=self.vendor)
        return result_page(items, page=query.page, page_size=query.page_size, reported_total=total)

    def _transaction(self, row: Any, openid: str, index: int) -> PointsTransaction:
        where = f"data.list[{index}]"
        row = as_mapping(row, where, vendor=self.vendor)
        direction = as_code(row.get("bill_type"), (where, "bill_type"), _BILL_TYPES, vendor=self.vendor)
        # amount: a string in the doc's table, an integer in its example (VENDORS.md §1): both accepted.
        # bill_type carries the sign; the amount is taken as a magnitude in case it is signed too.
        amount = abs(as_decimal(row.get("amount"), (where, "amount"), vendor=self.vendor))
        return PointsTransaction(
            connection_id=self.config.id,
            record_id=as_id(row.get("id"), (where, "id"), vendor=self.vendor),  # none documented
            member_id=openid,
            # "unix time in ms" says the table, but the example (123467677) is seconds-sized: read by magnitude.
            occurred_at=from_epoch(row.get("create_time"), (where, "create_time"), vendor=self.vendor),
            change=amount if direction == Direction.ADD else -amount,
            direction=direction,
            description=as_text(row.get("desc"), (where, "desc"), vendor=self.vendor, limit=DESCRIPTION_MAX_LENGTH),
            raw=row,
        )


def _unix_ms(moment: datetime | None, *, end: bool = False) -> int:
    if moment is None:
        return 0
    # An end on a whole second (the forms' 23:59:59) means through that second: 23:59:59.999, or a record at
    # 23:59:59.5 would be left out. Integer arithmetic: a float timestamp could land a millisecond off.
    through_the_second = 999 if end and moment.microsecond == 0 else 0
    return (moment - _EPOCH) // timedelta(milliseconds=1) + through_the_second
