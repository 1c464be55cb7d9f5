"""Selectors of the member pages: which connections can look an identifier up, one member's panel, balance
and history, and every page of a history for exports. Views call these; these call vendor clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from connections.clients import connection_client, enabled_connections
from connections.models import VendorConnection
from ledger.services.connections import Outcome, call_vendor, call_vendors_concurrently
from vendors.base import VendorClient
from vendors.paging import distinct_records, pinned_to_now
from vendors.registry import client_class
from vendors.results import (
    Capability,
    HistoryQuery,
    LookupKind,
    MemberBalance,
    MemberRef,
    PointsTransaction,
    ResultPage,
)

PANEL_TRANSACTIONS = 5
LOOKUP_CAPABILITIES = frozenset({Capability.MEMBER_BALANCE, Capability.MEMBER_HISTORY})
# Bounds an export of a vendor that keeps saying "there is a next page".
MAX_EXPORT_PAGES = 10_000


def vendor_class(connection: VendorConnection) -> type[VendorClient] | None:
    try:
        return client_class(connection.vendor)
    except LookupError:
        return None


def _member_data_class(connection: VendorConnection) -> type[VendorClient] | None:
    """The client class of `connection` if it offers member data, else None."""
    cls = vendor_class(connection)
    return cls if cls is not None and cls.capabilities & LOOKUP_CAPABILITIES else None


def lookup_kind_at(connection: VendorConnection, identifier: str) -> LookupKind | None:
    """How `connection` would look `identifier` up, or None if it cannot (or offers no member data)."""
    cls = _member_data_class(connection)
    return None if cls is None else cls.lookup_kind(identifier)


@dataclass(frozen=True)
class NotAsked:
    """An enabled connection with member data that cannot look the typed identifier up."""

    name: str
    searches_by: str


@dataclass(frozen=True)
class LookupPlan:
    """Which connections a search asks, and which it skips and why (a mobile number is not sent to a vendor
    that knows members by openid only): the page names those, so that their absence is not read as "not a
    member there"."""

    connections: list[VendorConnection]
    not_asked: list[NotAsked]


def plan_lookup(*, identifier: str, connection_id: int | None = None) -> LookupPlan:
    """The enabled connections that can look `identifier` up, in display order, and the others with member
    data; narrowed to `connection_id` if given (and then none is named as skipped)."""
    asked, not_asked = [], []
    for connection in enabled_connections():
        cls = _member_data_class(connection)
        if cls is None or (connection_id is not None and connection.pk != connection_id):
            continue
        if cls.lookup_kind(identifier) is not None:
            asked.append(connection)
        elif connection_id is None:
            not_asked.append(NotAsked(name=connection.name, searches_by=str(cls.searches_by)))
    return LookupPlan(connections=asked, not_asked=not_asked)


def lookup_connections(*, identifier: str, connection_id: int | None = None) -> list[VendorConnection]:
    """Enabled connections that can look `identifier` up, in display order (only `connection_id` if given)."""
    return plan_lookup(identifier=identifier, connection_id=connection_id).connections


def lookup_connection(*, connection_id: int, identifier: str) -> VendorConnection | None:
    found = lookup_connections(identifier=identifier, connection_id=connection_id)
    return found[0] if found else None


@dataclass(frozen=True)
class MemberPanel:
    """What one connection knows about a searched identifier."""

    connection: VendorConnection
    identifier: str
    kind: LookupKind | None
    balance: MemberBalance | None = None
    transactions: tuple[PointsTransaction, ...] = ()
    error_message: str = ""
    retryable: bool = True

    @property
    def found(self) -> bool:
        return self.balance is not None or bool(self.transactions)

    @property
    def member_id(self) -> str:
        """The id of the member page: the vendor's own member id when the search was by mobile."""
        if self.kind == LookupKind.MOBILE:
            for item in (self.balance, *self.transactions):
                if item is not None and item.member_id:
                    return item.member_id
            return ""  # never a link carrying the mobile itself
        return self.identifier

    @property
    def mobile(self) -> str:
        for item in (self.balance, *self.transactions):
            if item is not None and item.mobile:
                return item.mobile
        return ""


def _panel_data(client: VendorClient, member: MemberRef) -> tuple[MemberBalance | None, tuple[PointsTransaction, ...]]:
    """The newest transactions and the balance; one call where the newest rows also tell the balance (Kingdee)."""
    transactions: tuple[PointsTransaction, ...] = ()
    if client.supports(Capability.MEMBER_HISTORY):
        query = HistoryQuery(page=1, page_size=PANEL_TRANSACTIONS)
        page = client.member_history(member=member, query=query)
        transactions = page.items[:PANEL_TRANSACTIONS]
        if page.items and client.supports(Capability.MEMBER_BALANCE) and client.history_shows_balance(query):
            return client.balance_from_history(member=member, page=page), transactions
    balance = client.member_balance(member=member) if client.supports(Capability.MEMBER_BALANCE) else None
    return balance, transactions


def _panel_call(connection: VendorConnection, identifier: str) -> Callable[[], Any]:
    kind = lookup_kind_at(connection, identifier)

    def call() -> Any:
        client = connection_client(connection)
        return _panel_data(client, MemberRef(kind or LookupKind.MEMBER_ID, identifier))

    return call


def _panel_from(connection: VendorConnection, identifier: str, outcome: Outcome[Any]) -> MemberPanel:
    kind = lookup_kind_at(connection, identifier)
    if outcome.error is not None:
        return MemberPanel(
            connection=connection,
            identifier=identifier,
            kind=kind,
            error_message=outcome.error.user_message(),
            retryable=outcome.error.retryable,
        )
    balance, transactions = outcome.value
    return MemberPanel(connection, identifier, kind, balance=balance, transactions=transactions)


def member_panel(*, connection: VendorConnection, identifier: str) -> MemberPanel:
    return _panel_from(connection, identifier, call_vendor(_panel_call(connection, identifier)))


def member_panels(*, connections: list[VendorConnection], identifier: str) -> list[MemberPanel]:
    """Every connection's panel, the vendors called at once (the page without JavaScript)."""
    calls = {connection.pk: _panel_call(connection, identifier) for connection in connections}
    outcomes = call_vendors_concurrently(calls)
    return [_panel_from(connection, identifier, outcomes[connection.pk]) for connection in connections]


# --- the member page -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberPage:
    balance: Outcome[MemberBalance | None]
    history: Outcome[ResultPage[PointsTransaction]] | None


def member_ref(*, connection: VendorConnection, member_id: str) -> MemberRef | None:
    kind = lookup_kind_at(connection, member_id)
    return MemberRef(kind, member_id) if kind is not None else None


def member_page(*, connection: VendorConnection, member: MemberRef, query: HistoryQuery | None) -> MemberPage:
    """Balance and one page of history; `query` None: the filters were refused.

    Where the history page also tells the balance (Kingdee's first page), one call answers both; otherwise the
    two are asked of the vendor at once.
    """
    client = connection_client(connection)
    wants_balance = client.supports(Capability.MEMBER_BALANCE)
    wants_history = query is not None and client.supports(Capability.MEMBER_HISTORY)
    if wants_balance and wants_history and client.history_shows_balance(query):
        history = call_vendor(lambda: client.member_history(member=member, query=query))
        if history.error is not None:
            return MemberPage(balance=Outcome(error=history.error), history=history)
        if history.value.items:
            return MemberPage(
                balance=call_vendor(lambda: client.balance_from_history(member=member, page=history.value)),
                history=history,
            )
        # Nothing in the chosen period: the balance needs its own call.
        return MemberPage(balance=call_vendor(lambda: client.member_balance(member=member)), history=history)
    calls: dict[str, Callable[[], Any]] = {}
    if wants_balance:
        calls["balance"] = lambda: client.member_balance(member=member)
    if wants_history:
        calls["history"] = lambda: client.member_history(member=member, query=query)
    outcomes = call_vendors_concurrently(calls)
    return MemberPage(balance=outcomes.get("balance", Outcome(value=None)), history=outcomes.get("history"))


def all_pages(fetch: Callable[[int], ResultPage[Any]]) -> Iterator[Any]:
    """Items of page 1, 2, … fetched lazily until the vendor has no next page (or sends an empty one)."""
    for number in range(1, MAX_EXPORT_PAGES + 1):
        page = fetch(number)
        yield from page.items
        if not page.items or not page.has_next:
            return


def member_history_rows(*, connection: VendorConnection, member: MemberRef, query: HistoryQuery) -> Iterator[Any]:
    """Every transaction matching `query` (its page ignored), at the vendor's largest page size, up to the
    moment the export starts and each once (vendors.paging)."""
    client = connection_client(connection)
    base = replace(pinned_to_now(query), page=1, page_size=client.max_page_size)
    pages = all_pages(lambda number: client.member_history(member=member, query=replace(base, page=number)))
    return distinct_records(pages)


def member_mobile(*, connection: VendorConnection, member: MemberRef) -> str:
    """The member's mobile as the vendor has it ("" when unknown); raises VendorError."""
    client = connection_client(connection)
    if client.supports(Capability.MEMBER_BALANCE):
        balance = client.member_balance(member=member)
        if balance is not None and balance.mobile:
            return balance.mobile
    if client.supports(Capability.MEMBER_HISTORY):
        page = client.member_history(member=member, query=HistoryQuery(page=1, page_size=PANEL_TRANSACTIONS))
        for item in page.items:
            if item.mobile:
                return item.mobile
    return ""
