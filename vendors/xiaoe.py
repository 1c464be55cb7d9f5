"""Xiaoe-tech 小鹅通 API. Contract: vendor-docs/xiaoe-xe.account.info.batch.md, VENDORS.md §2."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vendors.base import CredentialField, MemberIdentifier, VendorProfile
from vendors.calls import call_vendors_concurrently
from vendors.exceptions import VendorError, VendorQueryError, VendorRejected
from vendors.http import CodeMessageClient, Headers, JsonObject, result_page
from vendors.parsing import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    SHANGHAI,
    as_code,
    as_decimal,
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
from vendors.ratelimit import CacheRateLimiter, RateLimit
from vendors.results import (
    Capability,
    ConnectionConfig,
    Direction,
    HistoryQuery,
    LookupKind,
    MemberBalance,
    MemberRef,
    MemberSummary,
    Outcome,
    PointsTransaction,
    RankingField,
    RankingQuery,
    ResultPage,
)
from vendors.tokens import AccessToken, access_token_from

AUTH_PATH = "/token"
BALANCES_PATH = "/xe.account.info.batch/1.0.0"
FLOW_PATH = "/xe.account.flow.list/1.0.0"
USER_INFO_PATH = "/xe.user.info.get/1.0.0"

# xe.user.info.get's required field_list (VENDORS.md §2) is written "{...}" in the docs: sent as a list of
# names (unconfirmed; change it here if the live server wants an object).
USER_FIELDS = ["phone", "nickname", "name"]
# Unconfirmed (VENDORS.md §2): "no such user" has no documented code; one whose text says so is read as not found.
_NO_USER_TEXT = re.compile(r"(?i)不存在|未找到|not (?:exist|found)|no such user")

# Unconfirmed (VENDORS.md §2): flow.list's parameter table says INTEGRAL, its examples INTERGRAL; the table rules.
ACCOUNT_TYPE = "INTEGRAL"

_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d")

# sort_rule per field: (descending, ascending); absent = id descending (the doc's request table).
_SORT_RULES = {RankingField.TOTAL: (11, 12), RankingField.AVAILABLE: (21, 22), RankingField.FROZEN: (31, 32)}
# flow_type 1 add, 2 subtract, 3 frozen (VENDORS.md §2).
_FLOW_TYPES = {1: Direction.ADD, 2: Direction.SUBTRACT, 3: Direction.FREEZE}
_FLOW_TYPE_CODES = {direction: code for code, direction in _FLOW_TYPES.items()}


@dataclass(frozen=True)
class XiaoeUser:
    user_id: str
    phone: str
    name: str


def _with_user(summary: MemberSummary, user: XiaoeUser | None, connection_id: int) -> MemberSummary:
    """The summary with the user's phone and name on its balance; a user with no points account yet is shown
    as found, with no balance figures."""
    if user is None or not summary.balance.ok:
        return summary
    balance = summary.balance.value or MemberBalance(
        connection_id=connection_id, member_id=user.user_id, total=None, available=None, frozen=None, as_of=None
    )
    balance = replace(balance, mobile=mainland_mobile(user.phone) or user.phone, name=balance.name or user.name)
    return replace(summary, balance=Outcome(value=balance))


class XiaoeClient(CodeMessageClient):
    profile = VendorProfile(
        key="xiaoe",
        display_name=_("Xiaoe-tech"),
        capabilities=frozenset(
            {
                Capability.MEMBER_BALANCE,
                Capability.MEMBER_HISTORY,
                Capability.BALANCE_RANKING,
                Capability.BALANCES_BY_IDS,
            }
        ),
        identifiers=(
            # Xiaoe's user ids are "u_" and a key (unconfirmed: the docs only show "xxxx_1"). No other vendor
            # issues that form, so such an id is asked of Xiaoe alone; any other text stays a possible user id.
            MemberIdentifier(LookupKind.USER_ID, _("user id"), pattern=r"u_[A-Za-z0-9_-]{1,62}", exclusive=True),
            MemberIdentifier(LookupKind.USER_ID, _("user id"), pattern=r"[A-Za-z0-9_-]{1,64}"),
            # xe.user.info.get finds the user by phone (VENDORS.md §2).
            MemberIdentifier(LookupKind.MOBILE, _("mobile number")),
        ),
        default_base_url="https://api.xiaoe-tech.com",
        credential_fields=(
            CredentialField("app_id", _("App ID (shop id)"), secret=False),
            # Merchants from before 2019-12-09 may have no client_id (VENDORS.md §2).
            CredentialField("client_id", _("Client ID"), secret=False, required=False),
            CredentialField("secret_key", _("Secret key")),
        ),
        # flow.list filters by flow_type on the server. Its business_type codes are documented nowhere we can
        # check, and whether a row's `balance` is the balance after the change is unconfirmed: neither is used.
        history_directions=frozenset(_FLOW_TYPES.values()),
        # One calendar month per flow.list call, out of the 500 per 10 s the shop shares: a year (plus a day, so
        # that "the last 12 months" always fits) covers what support asks for.
        max_history_days=366,
        history_whole_months=True,
    )
    # 500 calls per 10 s per app (the doc's 频率限制), for all our workers together.
    rate_limit = RateLimit(calls=500, period_seconds=10)
    # user_ids takes at most 100 ids (the doc's 上限100).
    max_ids_per_call = 100
    # The token-expired code is unknown (VENDORS.md §2): an error whose text is about the token is taken as one.
    token_error_text = re.compile(r"(?i)token|令牌")

    def __init__(self, config: ConnectionConfig) -> None:
        super().__init__(config)
        # Where member_history got to, so that the next page of the same query goes on from there (a client
        # serves one request or one export; the lock keeps two threads of a page from sharing a walk).
        self._walk: _FlowWalk | None = None
        self._walk_lock = threading.Lock()
        self._user_info_limiter: CacheRateLimiter | None = None

    def rate_limit_scope(self) -> str:
        # The vendor counts per app, and two connections may use the same app (VENDORS.md §2).
        app = hashlib.sha256(self.credential("app_id").encode()).hexdigest()[:16]
        return f"{self.vendor}:app:{app}"

    # --- authentication -----------------------------------------------------------------------------
    def fetch_token(self) -> AccessToken:
        # A GET with the credentials in the query string; grant_type singular (VENDORS.md §2).
        params = {"app_id": self.credential("app_id")}
        client_id = self.credential("client_id")
        if client_id:  # absent for merchants from before 2019-12-09
            params["client_id"] = client_id
        params |= {"secret_key": self.credential("secret_key"), "grant_type": "client_credential"}
        return access_token_from(self.send_token_request("GET", AUTH_PATH, params=params), vendor=self.vendor)

    def authorised(self, body: Mapping[str, Any], token: str) -> tuple[JsonObject, Headers]:
        # The token goes in the JSON body, not in a header (VENDORS.md §2).
        return {"access_token": token, **body}, {}

    # --- operations ---------------------------------------------------------------------------------
    def test_connection(self) -> str:
        self.tokens.get()
        # One cheap read: the first row of the all-users balance list.
        _balances, total, _last_page = self._balances_page({"user_ids": None}, 1, 1)
        if total is None:
            return gettext("Token accepted; the balance list answered.")
        return gettext("Token accepted; %(count)s members have a points account.") % {"count": total}

    def member_summary(self, *, member: MemberRef, query: HistoryQuery | None) -> MemberSummary:
        # By mobile, the user is found first. By user id, the user's phone and name are asked at the same time as
        # the balance and history: the member page shows the mobile (masked, with its reveal).
        if member.kind != LookupKind.MOBILE:
            return self._summary_by_user_id(member, query)
        try:
            user = self.user_by_mobile(member.value)
        except VendorError as error:
            return MemberSummary(balance=Outcome(error=error), history=None if query is None else Outcome(error=error))
        if user is None:
            nobody = None if query is None else Outcome(value=ResultPage((), query.page, query.page_size, 0))
            return MemberSummary(balance=Outcome(value=None), history=nobody)
        summary = super().member_summary(member=MemberRef(LookupKind.USER_ID, user.user_id), query=query)
        return _with_user(summary, user, self.config.id)

    def _summary_by_user_id(self, member: MemberRef, query: HistoryQuery | None) -> MemberSummary:
        calls: dict[str, Any] = {
            "balance": lambda: self.member_balance(member=member),
            "user": lambda: self.user_info({"user_id": self.member_value(member, LookupKind.USER_ID)}),
        }
        if query is not None:
            calls["history"] = lambda: self.member_history(member=member, query=query)
        outcomes = call_vendors_concurrently(calls)
        summary = MemberSummary(balance=outcomes["balance"], history=outcomes.get("history"))
        user = outcomes["user"]
        if user.error is not None:
            # The mobile is an extra on the member page and the panel; the reveal (no history) needs it.
            return MemberSummary(balance=Outcome(error=user.error), history=None) if query is None else summary
        # A user with no points account is not made a member by their contact details alone.
        return _with_user(summary, user.value, self.config.id) if summary.balance.value is not None else summary

    def user_by_mobile(self, mobile: str) -> XiaoeUser | None:
        # A phone may be stored with its country code ("+86-139…", the docs warn): both forms are tried.
        digits = mainland_mobile(mobile)
        if digits is None:
            return None
        for phone in (digits, f"+86-{digits}"):
            user = self.user_info({"data": {"phone": phone}})
            if user is not None and (not user.phone or mainland_mobile(user.phone) == digits):
                return user
        return None

    def user_info(self, identifier: Mapping[str, Any]) -> XiaoeUser | None:
        """xe.user.info.get with one identifier (`{"user_id": …}` or `{"data": {"phone": …}}`); None: no such user."""
        body = {**identifier, "data": {**identifier.get("data", {}), "field_list": USER_FIELDS}}
        # Its own rate limit, 3,000 calls per 10 s (VENDORS.md §2), not a slot of the 500 the other calls share.
        if self._user_info_limiter is None:
            limit = RateLimit(calls=3000, period_seconds=10)
            scope = f"{self.rate_limit_scope()}:user_info"
            self._user_info_limiter = CacheRateLimiter(scope=scope, limit=limit, vendor=self.vendor)
        self._user_info_limiter.acquire()
        try:
            return self._user(self._post(USER_INFO_PATH, body, rate_limited=False))
        except VendorRejected as error:
            if _NO_USER_TEXT.search(error.message):
                return None
            raise

    def member_balance(self, *, member: MemberRef) -> MemberBalance | None:
        balances = self.balances_by_ids(member_ids=[self.member_value(member, LookupKind.USER_ID)])
        return balances[0] if balances else None

    def balances_by_ids(self, *, member_ids: Sequence[str]) -> list[MemberBalance]:
        wanted = list(dict.fromkeys(m.strip() for m in member_ids if m.strip()))
        if not wanted:
            return []  # an empty user_ids array would match nobody anyway (VENDORS.md §2): spare the call
        found: dict[str, MemberBalance] = {}
        for start in range(0, len(wanted), self.max_ids_per_call):
            chunk = wanted[start : start + self.max_ids_per_call]
            # A page as large as the chunk holds every match; should the vendor cap pages lower than its
            # documented 100, the following pages are read too (bounded by the chunk size).
            page, last_page = 1, 1
            while page <= last_page and page <= len(chunk):
                balances, _total, last_page = self._balances_page({"user_ids": chunk}, page, len(chunk))
                for balance in balances:
                    found.setdefault(balance.member_id, balance)
                page += 1
        return [found[member_id] for member_id in wanted if member_id in found]

    def balance_ranking(self, *, query: RankingQuery) -> ResultPage[MemberBalance]:
        # Pasted member ids are ranked by the selector from balances_by_ids: this is for the vendor's own ranking.
        self.check_paging(query.page, query.page_size)
        descending, ascending = _SORT_RULES[query.sort_field]
        body: dict[str, Any] = {
            # null, not []: null means every user, an empty array nobody (VENDORS.md §2).
            "user_ids": list(query.member_ids) if query.member_ids is not None else None,
            "sort_rule": descending if query.descending else ascending,
        }
        # "YYYY-MM-DD HH:MM:SS" in Beijing time, filtering by when a member first earned points.
        dates = {"create_time_start": query.first_earned_start, "create_time_end": query.first_earned_end}
        if any(moment is not None and moment.tzinfo is None for moment in dates.values()):
            raise VendorQueryError(gettext("Dates must carry a time zone."), vendor=self.vendor)
        body |= {key: shanghai_text(moment) for key, moment in dates.items() if moment is not None}
        items, total, _last_page = self._balances_page(body, query.page, query.page_size)
        return result_page(items, page=query.page, page_size=query.page_size, reported_total=total)

    def member_history(self, *, member: MemberRef, query: HistoryQuery) -> ResultPage[PointsTransaction]:
        """One member's flows, newest first. flow.list answers one calendar month per call, so the months are read
        newest first as one list, filtered back to the dates asked (a month holds more than the range).

        A _FlowWalk remembers where it got to: the next page of the same query (an export's page 1, 2, 3…) goes on
        from there, reading every vendor page once. Any other page starts a new walk, which skips the months the
        dates cover whole by their totals. The total is exact once every month's count is known; until then the
        page offers "next" while pages are full, rather than spend a call per month on a number.
        """
        self.check_history_query(query)
        user_id = self.member_value(member, LookupKind.USER_ID)
        size = query.page_size
        with self._walk_lock:
            walk = self._walk_to(user_id, query, (query.page - 1) * size)
            while len(walk.pending) < size and not walk.finished:
                self._read_flow_page(walk)
            items = walk.pending[:size]
            del walk.pending[:size]
            walk.position += len(items)
            total, exact = walk.total()
        return ResultPage(tuple(items), query.page, size, total, total_exact=exact)

    def _walk_to(self, user_id: str, query: HistoryQuery, wanted: int) -> _FlowWalk:
        """A walk whose next row is row `wanted` of the query's list (or that has run out before it)."""
        walked = replace(query, page=1)
        walk = self._walk
        if walk is None or (walk.user_id, walk.query) != (user_id, walked) or walk.position > wanted:
            months = _history_months(query)
            walk = self._walk = _FlowWalk(user_id, walked, months, [_covers_month(query, month) for month in months])
        while walk.position < wanted:
            if walk.pending:
                skipped = min(len(walk.pending), wanted - walk.position)
                del walk.pending[:skipped]
                walk.position += skipped
            elif walk.finished:
                break
            else:
                self._read_flow_page(walk, skip=wanted - walk.position)
        return walk

    def _read_flow_page(self, walk: _FlowWalk, skip: int = 0) -> None:
        """The walk's next vendor page. At the start of a month the dates cover whole (every row of it counts),
        `skip` rows are skipped with one call: the page where row `skip` would be tells the month's total, and
        holds that row if the month has it."""
        size = walk.query.page_size
        jump = skip > 0 and walk.vendor_page == 1 and walk.jumpable and walk.covered[walk.month_index]
        vendor_page = skip // size + 1 if jump else walk.vendor_page
        before = (vendor_page - 1) * size
        kept, received, total = self._flow_page(walk, vendor_page)
        walk.note_total(total)
        if jump and not received:
            if total is not None and total <= before:
                walk.position += total
                walk.next_month()
            else:
                walk.jumpable = False  # shorter than the jump, by how much unknown: read it from its first page
            return
        if jump:
            walk.position += before
            walk.vendor_page = vendor_page
            walk.read_from_start = vendor_page == 1
            walk.consistent &= len(kept) == received  # a month the dates cover has every row inside them
        walk.add_page(kept, received, size)

    # --- parsing ------------------------------------------------------------------------------------
    def _user(self, data: Any) -> XiaoeUser | None:
        # The shape beyond data.user_id is unconfirmed (VENDORS.md §2): top level, a nested object or a list's first.
        if isinstance(data, list):
            data = data[0] if data else None
        if not isinstance(data, dict):
            return None
        places = [data, *(data[key] for key in ("user_info", "user", "info") if isinstance(data.get(key), dict))]

        def field(name: str) -> str:
            value = next((place[name] for place in places if place.get(name) not in (None, "")), "")
            return as_text(value, ("data", name), vendor=self.vendor)

        user_id = field("user_id")
        return XiaoeUser(user_id, phone=field("phone"), name=field("name") or field("nickname")) if user_id else None

    def _balances_page(
        self, body: Mapping[str, Any], page: int, size: int
    ) -> tuple[list[MemberBalance], int | None, int]:
        """One page of xe.account.info.batch: its balances, the total it reports and its last page."""
        # page and page_size are strings in the doc's table and example.
        data = self._post(BALANCES_PATH, {**body, "page": str(page), "page_size": str(size)})
        data = as_mapping(data, "data", vendor=self.vendor)
        rows = as_list(data.get("list"), "data.list", vendor=self.vendor)
        paging = {} if data.get("page") is None else as_mapping(data["page"], "data.page", vendor=self.vendor)
        return (
            [self._balance(row, index) for index, row in enumerate(rows)],
            as_optional_int(paging.get("total"), "data.page.total", vendor=self.vendor),
            as_optional_int(paging.get("last_page"), "data.page.last_page", vendor=self.vendor) or 1,
        )

    def _balance(self, row: Any, index: int) -> MemberBalance:
        where = f"data.list[{index}]"
        row = as_mapping(row, where, vendor=self.vendor)
        user_id = as_id(row.get("user_id"), (where, "user_id"), vendor=self.vendor)
        if not user_id:
            raise bad_response(self.vendor, (where, "user_id"))
        created = row.get("created_at")
        return MemberBalance(
            connection_id=self.config.id,
            member_id=user_id,
            # Integers in the doc; strings accepted as well.
            total=as_optional_decimal(row.get("total_balance"), (where, "total_balance"), vendor=self.vendor),
            available=as_optional_decimal(row.get("balance"), (where, "balance"), vendor=self.vendor),
            frozen=as_optional_decimal(row.get("freeze_balance"), (where, "freeze_balance"), vendor=self.vendor),
            as_of=timezone.now(),
            first_earned_at=(
                shanghai_datetime(created, (where, "created_at"), vendor=self.vendor, formats=_TIME_FORMATS)
                if created
                else None
            ),
            raw=row,
        )

    def _flow_page(self, walk: _FlowWalk, page: int) -> tuple[list[PointsTransaction], int, int | None]:
        """Vendor page `page` of the walk's month: its flows inside the dates, how many rows it had, and the
        month's total if the reply tells it."""
        query = walk.query
        body: dict[str, Any] = {
            "account_type": ACCOUNT_TYPE,
            "user_id": walk.user_id,
            "year_month": walk.month,
            # Strings, as info.batch's page and page_size (its doc's table and example); flow.list's say nothing.
            "page": str(page),
            "page_size": str(query.page_size),
        }
        if query.direction is not None:
            body["flow_type"] = _FLOW_TYPE_CODES[query.direction]
        data = as_mapping(self._post(FLOW_PATH, body), "data", vendor=self.vendor)
        rows = as_list(data.get("list"), "data.list", vendor=self.vendor)
        flows = [self._flow(row, walk.user_id, walk.month, index) for index, row in enumerate(rows)]
        start, end = query.start, query.end
        kept = [f for f in flows if (start is None or f.occurred_at >= start) and (end is None or f.occurred_at <= end)]
        # The reply's shape is not in our docs: the total is read where Xiaoe's other lists put it (data.page.total
        # as in info.batch, or data.total / data.count). Without one, a month ends at its first short page.
        page_total = data["page"].get("total") if isinstance(data.get("page"), dict) else None
        total = next((c for c in (page_total, data.get("total"), data.get("count")) if c is not None), None)
        return kept, len(rows), as_optional_int(total, "data.total", vendor=self.vendor)

    def _flow(self, row: Any, user_id: str, year_month: str, index: int) -> PointsTransaction:
        where = f"{year_month}: data.list[{index}]"
        row = as_mapping(row, where, vendor=self.vendor)
        direction = as_code(row.get("flow_type"), (where, "flow_type"), _FLOW_TYPES, vendor=self.vendor)
        # flow_count is an int (VENDORS.md §2); flow_type carries the sign, so it is read as a magnitude.
        # Frozen points leave what the member can spend: negative, like a subtraction.
        count = abs(as_decimal(row.get("flow_count"), (where, "flow_count"), vendor=self.vendor))
        record_id = row.get("flow_id") if row.get("flow_id") not in (None, "") else row.get("id")
        return PointsTransaction(
            connection_id=self.config.id,
            record_id=as_id(record_id, (where, "flow_id"), vendor=self.vendor),
            member_id=as_id(row.get("user_id"), (where, "user_id"), vendor=self.vendor) or user_id,
            occurred_at=shanghai_datetime(
                row.get("created_at"), (where, "created_at"), vendor=self.vendor, formats=_TIME_FORMATS
            ),
            change=count if direction == Direction.ADD else -count,
            direction=direction,
            type_code=as_text(
                row.get("business_type"), (where, "business_type"), vendor=self.vendor, limit=NAME_MAX_LENGTH
            ),
            description=as_text(row.get("remark"), (where, "remark"), vendor=self.vendor, limit=DESCRIPTION_MAX_LENGTH),
            raw=row,
        )


@dataclass
class _FlowWalk:
    """How far member_history has read one query's flows: the months newest first, the next vendor page of
    the month being read, and rows read (inside the dates) but not handed out yet, the first of which is row
    `position` of the whole list."""

    user_id: str
    query: HistoryQuery  # the query's page 1
    months: list[str]
    covered: list[bool]  # per month: the query's dates hold all of it (see _covers_month)
    month_index: int = 0
    vendor_page: int = 1
    jumpable: bool = True  # the month may still be skipped by its total
    read_from_start: bool = True  # every page of the month so far was read (none jumped over)
    kept_in_month: int = 0  # rows of the month read so far inside the dates
    pending: list[PointsTransaction] = field(default_factory=list)
    position: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # rows inside the dates, per month, once known
    reported: dict[str, int] = field(default_factory=dict)  # the vendor's totals, per month
    consistent: bool = True

    @property
    def finished(self) -> bool:
        return self.month_index >= len(self.months)

    @property
    def month(self) -> str:
        return self.months[self.month_index]

    def note_total(self, total: int | None) -> None:
        if total is None:
            return
        if self.reported.get(self.month, total) != total:
            self.consistent = False  # the month changed between two of its pages
        self.reported[self.month] = total
        if self.covered[self.month_index]:
            self.counts[self.month] = total

    def add_page(self, kept: list[PointsTransaction], received: int, size: int) -> None:
        """Vendor page `vendor_page` of the month gave `received` rows, `kept` of them inside the dates."""
        self.pending += kept
        self.kept_in_month += len(kept)
        total = self.reported.get(self.month)
        # A page of a month of `total` rows holds `size` rows, or what is left of the total.
        if total is not None and received != max(0, min(size, total - (self.vendor_page - 1) * size)):
            self.consistent = False
        # A short page ends the month whatever its total says; so does the page that reaches the total.
        if received < size or (total is not None and self.vendor_page * size >= total):
            if self.read_from_start:
                self.counts.setdefault(self.month, self.kept_in_month)
            self.next_month()
        else:
            self.vendor_page += 1

    def next_month(self) -> None:
        self.month_index += 1
        self.vendor_page = 1
        self.jumpable = self.read_from_start = True
        self.kept_in_month = 0

    def total(self) -> tuple[int | None, bool]:
        seen = self.position + len(self.pending)
        if self.finished:
            total = seen
        elif len(self.counts) == len(self.months):
            total = max(seen, sum(self.counts.values()))
        else:
            return None, False
        if not self.consistent:
            total = max(total, sum(self.reported.values()))
        return total, self.consistent


def _covers_month(query: HistoryQuery, year_month: str) -> bool:
    """Whether every flow of the month is inside the query's dates (times are whole seconds; no flow is
    later than now)."""
    first = datetime.strptime(year_month, "%Y_%m").replace(tzinfo=SHANGHAI)
    following = (first + timedelta(days=32)).replace(day=1)
    starts_in = query.start is None or query.start <= first
    ends_in = query.end is None or query.end >= following - timedelta(seconds=1) or query.end >= timezone.now()
    return starts_in and ends_in


def _history_months(query: HistoryQuery) -> list[str]:
    """The year_month values ("2025_05") a history query reads in Beijing time, newest first: up to now without an
    end; without a start, the end's month only (the vendor's own default). Without dates (a lookup panel's "latest
    records"), the month before too: early in a month this one holds few rows, and the walk asks for more only then."""
    last = (query.end or timezone.now()).astimezone(SHANGHAI)
    if query.start is not None:
        first = query.start.astimezone(SHANGHAI)
    else:
        first = (last.replace(day=1) - timedelta(days=1)) if query.end is None else last
    months = []
    year, month = last.year, last.month
    while (year, month) >= (first.year, first.month):
        months.append(f"{year:04d}_{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months
