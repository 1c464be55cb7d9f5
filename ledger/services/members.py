"""Selectors of the member pages: a member is resolved once per request into a VendorMember, all they take."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from django.utils.translation import gettext

from audit.models import AuditAction, AuditEntry
from connections.clients import connection_client, connection_profile, enabled_connection, enabled_connections
from connections.models import VendorConnection
from vendors.base import VendorClient, VendorProfile, cjk_spaced, spoken_list
from vendors.calls import call_vendors_concurrently
from vendors.exceptions import VendorError
from vendors.parsing import mainland_mobile
from vendors.registry import vendor_profiles
from vendors.results import HistoryQuery, LookupKind, MemberBalance, MemberRef, MemberSummary, PointsTransaction

# A lookup panel shows the balance and the newest few transactions.
PANEL_QUERY = HistoryQuery(page=1, page_size=5)
MAX_IDENTIFIER_LENGTH = 100


@dataclass(frozen=True)
class VendorMember:
    """A member at one connection: the connection, its client, and how the vendor knows the member."""

    connection: VendorConnection
    client: VendorClient
    member: MemberRef

    @property
    def profile(self) -> VendorProfile:
        return self.client.profile


def lookup_hint() -> str:
    """What the search box finds members by, in words: "openid, user id, member id or mobile number"."""
    labels = [str(i.label) for profile in vendor_profiles() if profile.offers_member_data for i in profile.identifiers]
    return spoken_list(list(dict.fromkeys(labels)))


def searches_by_vendor() -> list[dict[str, str]]:
    """Each vendor with member data and what it finds members by ("Xiaoe-tech: user id or mobile number")."""
    return [
        {"vendor_name": str(profile.display_name), "found_by": profile.found_by}
        for profile in vendor_profiles()
        if profile.offers_member_data
    ]


@dataclass(frozen=True)
class NotAsked:
    """An enabled connection with member data that cannot look the typed identifier up."""

    name: str
    searches_by: str

    @property
    def sentence(self) -> str:
        """ "心悦只能按 openid 查询。": the vendor's words spaced where Chinese meets Latin, the name left as typed."""
        placeholder = "\x00"  # neither Chinese nor Latin, so no space is put beside the name
        text = gettext("%(name)s can only search by %(searches_by)s.")
        return cjk_spaced(text % {"name": placeholder, "searches_by": self.searches_by}).replace(placeholder, self.name)


@dataclass(frozen=True)
class LookupPlan:
    """Which connections a search asks, and which it skips (named on the page, so that their absence is not read
    as "not a member there")."""

    vendor_members: list[VendorMember]
    not_asked: list[NotAsked]

    @property
    def connections(self) -> list[VendorConnection]:
        return [vendor_member.connection for vendor_member in self.vendor_members]


def plan_lookup(*, identifier: str, connection_id: int | None = None) -> LookupPlan:
    """`identifier` at each enabled connection that can look it up, in display order, and the other connections
    with member data; narrowed to `connection_id` if given (then none is named as skipped). An identifier in a
    form only one vendor issues (its profile's exclusive identifiers) is asked of that vendor alone."""
    asked, not_asked, candidates = [], [], []
    if connection_id is None:
        connections = enabled_connections()
    else:
        connections = [connection] if (connection := enabled_connection(connection_id)) else []
    for connection in connections:
        profile = connection_profile(connection)
        if profile is None or not profile.offers_member_data:
            continue
        candidates.append((connection, profile))
    fits = len(identifier) <= MAX_IDENTIFIER_LENGTH
    claimed = fits and any(profile.claims(identifier) for _connection, profile in candidates)
    for connection, profile in candidates:
        kind = profile.lookup_kind(identifier) if fits and (profile.claims(identifier) or not claimed) else None
        if kind is not None:
            asked.append(VendorMember(connection, connection_client(connection), MemberRef(kind, identifier)))
        elif connection_id is None:
            not_asked.append(NotAsked(name=connection.name, searches_by=profile.searches_by))
    return LookupPlan(vendor_members=asked, not_asked=not_asked)


def vendor_member_at(*, connection_id: int, identifier: str) -> VendorMember | None:
    """`identifier` at the enabled connection `connection_id`, or None if there is none or it cannot look it up."""
    asked = plan_lookup(identifier=identifier, connection_id=connection_id).vendor_members
    return asked[0] if asked else None


@dataclass(frozen=True)
class MemberPanel:
    """What one connection knows about a searched identifier."""

    connection: VendorConnection
    member: MemberRef
    balance: MemberBalance | None = None
    transactions: tuple[PointsTransaction, ...] = ()
    error: VendorError | None = None

    @property
    def error_message(self) -> str:
        return self.error.reader_message(self.connection.vendor_display) if self.error is not None else ""

    @property
    def state(self) -> str:
        """found, error or missing: where the lookup page puts the panel (hits first, misses in one line)."""
        return "error" if self.error is not None else "found" if self.found else "missing"

    @property
    def found(self) -> bool:
        return self.balance is not None or bool(self.transactions)

    def _first(self, attribute: str) -> str:
        values = (getattr(item, attribute) for item in (self.balance, *self.transactions) if item is not None)
        return next((value for value in values if value), "")

    @property
    def member_id(self) -> str:
        """The id of the member page: the vendor's own member id when the search was by mobile (never a link
        carrying the mobile itself)."""
        return self._first("member_id") if self.member.kind == LookupKind.MOBILE else self.member.value

    @property
    def mobile(self) -> str:
        """The vendor's mobile for the member; found by mobile, the one typed (the vendor matched it)."""
        found_by_mobile = self.member.kind == LookupKind.MOBILE and self.found
        return self._first("mobile") or (found_by_mobile and mainland_mobile(self.member.value)) or ""


def member_panel(*, vendor_member: VendorMember) -> MemberPanel:
    connection, member = vendor_member.connection, vendor_member.member
    summary = vendor_member.client.member_summary(member=member, query=PANEL_QUERY)
    error = summary.balance.error or (summary.history and summary.history.error)
    if error is not None:
        return MemberPanel(connection, member, error=error)
    transactions = summary.history.value.items[: PANEL_QUERY.page_size] if summary.history is not None else ()
    return MemberPanel(connection, member, balance=summary.balance.value, transactions=transactions)


_PANEL_ORDER = {"found": 0, "error": 1, "missing": 2}


def member_panels(*, vendor_members: list[VendorMember]) -> list[MemberPanel]:
    """Every connection's panel, the vendors called at once (the page without JavaScript): those that found the
    member first, then those that failed, then those that do not have the member, each group in display order."""
    calls = {index: partial(member_panel, vendor_member=each) for index, each in enumerate(vendor_members)}
    outcomes = call_vendors_concurrently(calls)
    # A panel holds its vendor's errors: its own outcome is always a value.
    return sorted((outcome.value for outcome in outcomes.values()), key=lambda panel: _PANEL_ORDER[panel.state])


def member_mobile(*, vendor_member: VendorMember) -> str:
    """The member's mobile as the vendor has it ("" when unknown); raises VendorError. The balance alone first (a
    vendor may look the contact up only then, as Xiaoe does), else the panel's rows."""
    summary = vendor_member.client.member_summary(member=vendor_member.member, query=None)
    if summary.balance.error is not None:
        raise summary.balance.error
    if summary.balance.value is not None and summary.balance.value.mobile:
        return summary.balance.value.mobile
    panel = member_panel(vendor_member=vendor_member)
    if panel.error is not None:
        raise panel.error
    return panel.mobile


def recent_lookups(*, user: Any, limit: int = 10) -> list[tuple[str, bool]]:
    """The last `limit` distinct identifiers `user` searched for, newest first, from the audit log, each with whether
    it can be searched again by a link (a mobile is kept masked there)."""
    entries = AuditEntry.objects.filter(user=user, action=AuditAction.MEMBER_LOOKUP).exclude(target="")
    targets = dict.fromkeys(entries.order_by("-pk").values_list("target", flat=True)[:500])
    return [(target, "*" not in target) for target in list(targets)[:limit]]


def member_page(*, vendor_member: VendorMember, query: HistoryQuery | None) -> MemberSummary:
    """Balance and one page of history; `query` None: the filters were refused, and no history is asked for."""
    return vendor_member.client.member_summary(member=vendor_member.member, query=query)


# The chart and totals read the period at the vendor's largest page size, at most this many pages (500 rows at
# 100 a page): a bound on the calls one page view costs; beyond it the chart says it shows the latest rows.
MAX_PERIOD_PAGES = 5


@dataclass(frozen=True)
class PeriodRows:
    """The newest rows of a period, and whether they are all of its rows."""

    rows: tuple[PointsTransaction, ...]
    complete: bool


def period_rows(*, vendor_member: VendorMember, query: HistoryQuery) -> PeriodRows:
    """`query`'s rows from its first page on, at most MAX_PERIOD_PAGES vendor pages; raises VendorError."""
    client, member, size = vendor_member.client, vendor_member.member, vendor_member.profile.max_page_size
    rows: list[PointsTransaction] = []
    for number in range(1, MAX_PERIOD_PAGES + 1):
        page = client.member_history(member=member, query=replace(query, page=number, page_size=size))
        rows += page.items
        if not page.items or not page.has_next:
            return PeriodRows(tuple(rows), complete=True)
    return PeriodRows(tuple(rows), complete=False)


def member_unknown(summary: MemberSummary) -> bool:
    """Whether the vendor said it does not know the member: no balance and no records, and no error that would
    leave that unsaid. Each vendor's "no balance" means unknown: Kingdee has no row of the member ever (its balance
    is the newest row's), Xiaoe's balance list leaves the user out, Xinyue answers no data or no amount."""
    history = summary.history
    no_records = history is None or (
        history.ok and history.value is not None and not history.value.items and history.value.page == 1
    )
    return summary.balance.ok and summary.balance.value is None and no_records
