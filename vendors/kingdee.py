"""Kingdee 精斗云 (jdy) API. Contract: vendor-docs/kingdee-jdy-integral_record.md, VENDORS.md §3."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vendors import tokens as token_cache
from vendors.base import CredentialField, MemberIdentifier, VendorProfile
from vendors.calls import call_vendor
from vendors.exceptions import (
    VendorAuthError,
)
from vendors.http import HttpVendorClient, result_page
from vendors.parsing import (
    NAME_MAX_LENGTH,
    as_id,
    as_list,
    as_mapping,
    as_optional_decimal,
    as_optional_int,
    as_text,
    bad_response,
    mainland_mobile,
    shanghai_datetime,
    shanghai_text,
)
from vendors.results import (
    Capability,
    Direction,
    HistoryQuery,
    LedgerQuery,
    LookupKind,
    MemberBalance,
    MemberRef,
    MemberSummary,
    Outcome,
    PointsTransaction,
    ResultPage,
)
from vendors.tokens import AccessToken, access_token_from

AUTH_PATH = "/jdyconnector/app_management/kingdee_auth_token"
RECORDS_PATH = "/jdy/v2/ls/integral_record"

# create_time is "yyyy-MM-dd HH:mm:ss" (the parameter table's format) or just "yyyy-MM-dd" (the doc's example).
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
# The app-token lives 24 h as reported (§3): never kept longer; an unreadable `expires` keeps it an hour.
_DEFAULT_TOKEN_SECONDS = 3600
_MAX_TOKEN_SECONDS = 24 * 3600


# --- the signature (VENDORS.md §3, from the vendor's own Java gateway client) ---------------------------
def kingdee_encode(value: str) -> str:
    # The gateway's GwURLEncoder (keys, the path, the outer pass over values) is exactly quote_plus, nothing safe.
    return quote_plus(value, safe="")


def java_urlencode(value: str) -> str:
    # java.net.URLEncoder, the inner pass over values: unlike quote_plus it keeps "*" and encodes "~" (§3: "a~b*c").
    return quote_plus(value, safe="*").replace("~", "%7E")


def string_to_sign(*, method: str, path: str, params: Mapping[str, str], nonce: str, timestamp: str) -> str:
    # Values are encoded twice, GwURLEncoder.encode(URLEncoder.encode(v)) as in the vendor's client ("=" → %253D,
    # "~" → %257E, "*" → %2A); keys once. The "k=v" texts are sorted as strings. No query: an empty line.
    query = "&".join(sorted(f"{kingdee_encode(k)}={kingdee_encode(java_urlencode(v))}" for k, v in params.items()))
    return f"{method.upper()}\n{kingdee_encode(path)}\n{query}\nx-api-nonce:{nonce}\nx-api-timestamp:{timestamp}\n"


def _base64_hex_hmac(key: str, message: str) -> str:
    # base64 of the hex *text* of the HMAC, not of its bytes (§3).
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def kingdee_signature(
    *, client_secret: str, method: str, path: str, params: Mapping[str, str], nonce: str, timestamp: str
) -> str:
    """X-Api-Signature = base64(hex(HMAC-SHA256(client_secret, string_to_sign))). The JSON body is not signed."""
    return _base64_hex_hmac(
        client_secret, string_to_sign(method=method, path=path, params=params, nonce=nonce, timestamp=timestamp)
    )


def app_signature(*, app_key: str, app_secret: str) -> str:
    """app_signature = base64(hex(HMAC-SHA256(key=app_secret, msg=app_key))) for the app-token request."""
    return _base64_hex_hmac(app_secret, app_key)


def _timestamp_ms() -> str:
    return str(time.time_ns() // 1_000_000)


def _nonce() -> str:
    return str(1_000_000_000 + secrets.randbelow(9_000_000_000))  # "随机正整数": ten digits here


class KingdeeClient(HttpVendorClient):
    profile = VendorProfile(
        key="kingdee",
        display_name=_("Kingdee JDY"),
        capabilities=frozenset({Capability.MEMBER_BALANCE, Capability.MEMBER_HISTORY, Capability.SHOP_LEDGER}),
        identifiers=(
            MemberIdentifier(LookupKind.MEMBER_ID, _("member id"), pattern=r"[A-Za-z0-9_-]{1,64}"),
            MemberIdentifier(LookupKind.MOBILE, _("mobile number")),
        ),
        default_base_url="https://api.kingdee.com",
        credential_fields=(
            CredentialField("client_id", _("Client ID"), secret=False),
            CredentialField("client_secret", _("Client secret")),
            CredentialField("app_key", _("App key"), secret=False),
            CredentialField("app_secret", _("App secret")),
            CredentialField(
                "domain",
                _("Tenant domain (X-GW-Router-Addr)"),
                secret=False,
                help_text=_("The domain returned with your app key, e.g. https://tf.jdy.com"),
            ),
        ),
        # Above 100 the server cuts page_size, computing total_page from the size asked (§3, unconfirmed).
        max_page_size=100,
        # Every row has integral (after) and last_integral (before).
        history_has_balance_after=True,
        # integral_type filters on the server; its codes are set up per tenant (the doc: "see the back office").
        history_type_filter=True,
    )
    code_key = "errcode"
    message_key = "description"
    # errcode 1030002006: "app secret check failed", i.e. the app-token is stale: new token, retry once (§3).
    token_error_code = 1030002006
    # errcode 2000002000: "system error" (the doc's 返回码 table): the vendor's fault, not our request's.
    unavailable_code = 2000002000
    # HTTP 519 is reported for a bad signature (§3, unconfirmed): neither a retry nor a new app-token fixes it.
    status_errors = {
        519: (
            VendorAuthError,
            _("The vendor rejected our request signature. Check the client secret and this server's clock."),
        )
    }

    # --- authentication -----------------------------------------------------------------------------
    def signed_headers(self, *, method: str, path: str, params: Mapping[str, str], app_token: str) -> dict[str, str]:
        """The headers of one attempt: a fresh timestamp (valid ~5 min) and nonce, and their signature."""
        timestamp, nonce = _timestamp_ms(), _nonce()
        headers = {
            "Content-Type": "application/json",  # "固定传" in the doc's header table, even on a GET
            "X-Api-ClientID": self.credential("client_id"),
            "X-Api-Auth-Version": "2.0",
            "X-Api-TimeStamp": timestamp,
            "X-Api-Nonce": nonce,
            "X-Api-SignHeaders": "X-Api-TimeStamp,X-Api-Nonce",
            "X-Api-Signature": kingdee_signature(
                client_secret=self.credential("client_secret"),
                method=method,
                path=path,
                params=params,
                nonce=nonce,
                timestamp=timestamp,
            ),
            # The tenant's data centre; the host is always api.kingdee.com (§3).
            "X-GW-Router-Addr": self.credential("domain"),
        }
        if app_token:
            headers["app-token"] = app_token
        return headers

    def fetch_token(self) -> AccessToken:
        signature = app_signature(app_key=self.credential("app_key"), app_secret=self.credential("app_secret"))
        params = {"app_key": self.credential("app_key"), "app_signature": signature}
        data = self.send_token_request(
            "GET",
            AUTH_PATH,
            params=params,
            # The token request is itself signed with the client secret (§3).
            headers=lambda: self.signed_headers(method="GET", path=AUTH_PATH, params=params, app_token=""),  # nosec B106 # no token yet
            # app_signature never changes for a key and secret: as good as a password, kept out of errors.
            hide=(signature,),
        )
        # The key is hyphenated: "app-token" (§3).
        return access_token_from(data, vendor=self.vendor, key="app-token", expires_at=_token_expiry)

    # --- the one endpoint ---------------------------------------------------------------------------
    def _records_page(self, filters: Mapping[str, str], page: int, page_size: int) -> ResultPage[PointsTransaction]:
        # Every query value is a string (the doc's params table); empty filters are left out, not sent as "".
        params = {key: value for key, value in filters.items() if value}
        params |= {"page": str(page), "page_size": str(page_size)}

        def call(token: str) -> Any:
            return self.send(
                "GET",
                RECORDS_PATH,
                params=params,
                headers=lambda: self.signed_headers(method="GET", path=RECORDS_PATH, params=params, app_token=token),
                unwrap=lambda payload: self._unwrap(payload, token),
                hide=(token,),
            )

        data = as_mapping(self.with_token(call), "data", vendor=self.vendor)
        rows = as_list(data.get("rows"), "data.rows", vendor=self.vendor)
        items = [self._record(row, index) for index, row in enumerate(rows)]
        count = as_optional_int(data.get("count"), "data.count", vendor=self.vendor)
        result = result_page(items, page=page, page_size=page_size, reported_total=count)
        total_page = as_optional_int(data.get("total_page"), "data.total_page", vendor=self.vendor)
        if count is not None and total_page is not None and total_page != max(1, math.ceil(count / page_size)):
            # count and total_page disagree (e.g. the page_size cut of §3): the total is not to be trusted.
            result = dataclasses.replace(result, total_exact=False)
        return result

    def _date_filters(self, query: HistoryQuery) -> dict[str, str]:
        # "yyyy-MM-dd HH:mm:ss" in Beijing time (the doc's params table).
        dates = {"start_date": query.start, "end_date": query.end}
        filters = {key: shanghai_text(moment) for key, moment in dates.items() if moment is not None}
        return {"integral_type": query.type_code.strip(), **filters}

    def _member_filter(self, member: MemberRef) -> dict[str, str]:
        value = self.member_value(member, LookupKind.MEMBER_ID, LookupKind.MOBILE)
        return {"mobile": _mobile(value)} if member.kind == LookupKind.MOBILE else {"member_id": value}

    # --- operations ---------------------------------------------------------------------------------
    def test_connection(self) -> str:
        self.tokens.get()
        page = self._records_page({}, 1, 1)  # one cheap read: the newest record of the shop
        if page.total is None:
            return gettext("App-token accepted; the points records answered.")
        return gettext("App-token accepted; the shop has %(count)s points records.") % {"count": page.total}

    def member_balance(self, *, member: MemberRef) -> MemberBalance | None:
        # No balance endpoint: the balance is `integral` of the newest record (§3); no record, no points known.
        page = self._records_page(self._member_filter(member), 1, 1)
        return self.balance_from_history(member=member, page=page) if page.items else None

    def member_summary(self, *, member: MemberRef, query: HistoryQuery | None) -> MemberSummary:
        # The first page of every type up to now starts with the newest record: it tells the balance too, one call
        # instead of two (a page a start date empties tells nothing, and the balance is then asked for).
        if (
            query is None
            or query.page != 1
            or query.type_code.strip()
            or query.direction is not None
            or (query.end is not None and query.end < timezone.now())
        ):
            return super().member_summary(member=member, query=query)
        history = call_vendor(lambda: self.member_history(member=member, query=query))
        if history.error is not None:
            # The balance would be asked of the same failing endpoint.
            return MemberSummary(balance=Outcome(error=history.error), history=history)
        if not history.value.items:
            # Nothing in the chosen period: the balance needs its own call.
            return MemberSummary(balance=call_vendor(lambda: self.member_balance(member=member)), history=history)
        balance = call_vendor(lambda: self.balance_from_history(member=member, page=history.value))
        return MemberSummary(balance=balance, history=history)

    def balance_from_history(self, *, member: MemberRef, page: ResultPage[PointsTransaction]) -> MemberBalance:
        # The latest create_time, then the highest id: the doc promises no order of rows, its example has dates only.
        newest = max(page.items, key=lambda record: (record.occurred_at, _id_order(record.record_id)))
        if newest.balance_after is None:
            raise bad_response(self.vendor, f"data.rows[{page.items.index(newest)}].integral")
        return MemberBalance(
            connection_id=self.config.id,
            member_id=newest.member_id or member.value.strip(),
            # No frozen points at Kingdee: the balance is both the total and what can be spent.
            total=newest.balance_after,
            available=newest.balance_after,
            frozen=None,
            as_of=timezone.now(),
            name=newest.member_name,
            mobile=newest.mobile,
            raw=newest.raw,
        )

    def member_history(self, *, member: MemberRef, query: HistoryQuery) -> ResultPage[PointsTransaction]:
        self.check_history_query(query)
        filters = self._member_filter(member) | self._date_filters(query)
        return self._records_page(filters, query.page, query.page_size)

    def shop_ledger(self, *, query: LedgerQuery) -> ResultPage[PointsTransaction]:
        # Without member_id or mobile the endpoint lists the whole shop's records (§3).
        self.check_history_query(query)
        filters = {"member_id": query.member_id.strip(), "mobile": _mobile(query.mobile) if query.mobile else ""}
        return self._records_page(filters | self._date_filters(query), query.page, query.page_size)

    # --- parsing ------------------------------------------------------------------------------------
    def _record(self, row: Any, index: int) -> PointsTransaction:
        where = f"data.rows[{index}]"
        row = as_mapping(row, where, vendor=self.vendor)

        def text(name: str) -> str:
            return as_text(row.get(name), (where, name), vendor=self.vendor, limit=NAME_MAX_LENGTH)

        # Every field is a string (the doc's Row table); numbers are accepted too.
        after = as_optional_decimal(row.get("integral"), (where, "integral"), vendor=self.vendor)
        before = as_optional_decimal(row.get("last_integral"), (where, "last_integral"), vendor=self.vendor)
        occur = as_optional_decimal(row.get("occur"), (where, "occur"), vendor=self.vendor)
        change = _signed_change(occur, before, after)
        if change is None:
            raise bad_response(self.vendor, (where, "occur"))
        return PointsTransaction(
            connection_id=self.config.id,
            record_id=as_id(row.get("id"), (where, "id"), vendor=self.vendor),
            member_id=as_id(row.get("member_id"), (where, "member_id"), vendor=self.vendor),
            occurred_at=shanghai_datetime(
                row.get("create_time"), (where, "create_time"), vendor=self.vendor, formats=_TIME_FORMATS
            ),
            change=change,
            direction=Direction.SUBTRACT if change < 0 else Direction.ADD,
            balance_before=before,
            balance_after=after,
            type_code=text("type_number") or text("type_id"),
            type_name=text("type_name"),
            member_name=text("member_name"),
            # Not in the doc's Row table ("member_*" fields vary): taken when present.
            mobile=text("member_mobile") or text("mobile"),
            raw=row,
        )


def _mobile(value: str) -> str:
    return mainland_mobile(value) or value.strip()


def _id_order(record_id: str) -> tuple[int, int, str]:
    # Numeric ids compare as numbers ("10" after "9"); others after them, as text.
    digits = record_id.isdigit()
    return (0 if digits else 1, len(record_id) if digits else 0, record_id)


def _signed_change(occur: Decimal | None, before: Decimal | None, after: Decimal | None) -> Decimal | None:
    """The signed change: `occur`, negative when it has a "-" or the balance fell (subtractions may be written
    "20"); with no occur, after - before."""
    difference = after - before if after is not None and before is not None else None
    if occur is None:
        return difference
    if occur < 0:
        return occur
    if difference is not None and difference < 0:
        return -occur
    return occur


def _token_expiry(data: Mapping[str, Any]) -> float:
    """`expires` is epoch milliseconds (§3). Epoch seconds or a lifetime in seconds are accepted too, told
    apart by size; missing, unreadable or not in the future: a conservative hour (one more fetch, no harm)."""
    now = token_cache.now()  # the token store's clock, which tests can move
    try:
        number = int(data.get("expires"))  # true is 1: a lifetime of a second, refused below
    except (TypeError, ValueError, ArithmeticError):
        number = 0
    if number >= 100_000_000_000:  # epoch ms (1e11 ms is 1973)
        expires_at = number / 1000
    elif number >= 1_000_000_000:  # epoch s (2001 onwards)
        expires_at = float(number)
    else:  # a lifetime in seconds
        expires_at = now + number
    if expires_at <= now + 60:  # already (or all but) expired: surely a misread unit
        return now + _DEFAULT_TOKEN_SECONDS
    return min(expires_at, now + _MAX_TOKEN_SECONDS)
