"""The interface every vendor client implements (like django-anymail's backends/base.py).

A client is built from a ConnectionConfig, declares its capabilities, and answers in the
dataclasses of results.py. Everything HTTP (sessions, timeouts, retries, token cache, rate limits,
error mapping) is shared plumbing in this package, so a vendor module holds only its endpoints,
its authentication and its parsing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from django.utils.functional import Promise

from vendors.exceptions import VendorNotSupported
from vendors.results import (
    Capability,
    ConnectionConfig,
    Direction,
    HistoryQuery,
    LedgerQuery,
    LookupKind,
    MemberBalance,
    MemberRef,
    PointsTransaction,
    RankingQuery,
    ResultPage,
)


@dataclass(frozen=True)
class CredentialField:
    """One key of a connection's encrypted credentials (the connection form is built from these)."""

    name: str
    label: str | Promise
    secret: bool = True
    required: bool = True
    help_text: str | Promise = ""
    max_length: int = 256


@dataclass(frozen=True)
class TypeChoice:
    """A points type a vendor can filter by (code sent to the vendor, label shown)."""

    code: str
    label: str | Promise


class VendorClient:
    """Base class of the vendor clients. Subclasses set the class attributes and implement the
    methods of their capabilities; the rest raise VendorNotSupported."""

    vendor: ClassVar[str]  # registry key, e.g. "xinyue"
    display_name: ClassVar[str | Promise]
    # What the search box finds a member by at this vendor ("openid"): the lookup page names the connections
    # it did not ask, and why, so that a page without them is not read as "not a member there".
    searches_by: ClassVar[str | Promise] = ""
    default_base_url: ClassVar[str]
    credential_fields: ClassVar[tuple[CredentialField, ...]]
    capabilities: ClassVar[frozenset[Capability]]
    # The longest date range one history query may span (None: unlimited).
    max_history_days: ClassVar[int | None] = None
    # Page sizes the vendor accepts; forms offer these of (10, 20, 50, 100).
    max_page_size: ClassVar[int] = 100
    # Whether history rows carry a balance after each change (otherwise the chart anchors on the balance).
    history_has_balance_after: ClassVar[bool] = False
    # Directions the vendor can filter history by on its side (empty: the filter is not offered, since
    # filtering one page of vendor results locally would break the vendor's paging).
    history_directions: ClassVar[frozenset[Direction]] = frozenset()
    # Whether history can be filtered by a points type code; history_types() lists known codes
    # (empty with this True: the form offers a free-text type code, codes being tenant-specific).
    supports_type_filter: ClassVar[bool] = False
    # True when the vendor filters history by whole calendar months (Asia/Shanghai) only: a date range
    # is then widened to the whole months it touches, and the page may say so.
    history_whole_months: ClassVar[bool] = False

    def __init__(self, config: ConnectionConfig) -> None:
        self.config = config

    # --- identification -------------------------------------------------------------------
    @classmethod
    def lookup_kind(cls, identifier: str) -> LookupKind | None:
        """How this vendor would look up `identifier` typed in the search box, or None if it can't."""
        return None

    @classmethod
    def history_types(cls) -> Sequence[TypeChoice]:
        """Points types the history filter offers for this vendor (empty: no type filter)."""
        return ()

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    # --- operations (implement those in `capabilities`) -------------------------------------
    def test_connection(self) -> str:
        """Authenticate and make one cheap read; return a short success note or raise VendorError."""
        raise NotImplementedError

    def member_balance(self, *, member: MemberRef) -> MemberBalance | None:
        """The member's balance, or None when the vendor does not know the member."""
        raise VendorNotSupported(vendor=self.vendor)

    def member_history(self, *, member: MemberRef, query: HistoryQuery) -> ResultPage[PointsTransaction]:
        raise VendorNotSupported(vendor=self.vendor)

    def history_shows_balance(self, query: HistoryQuery) -> bool:
        """Whether a history page for `query`, when not empty, tells the current balance too
        (balance_from_history). A vendor whose balance is itself read off its newest record (Kingdee) says so
        for the first page of an unfiltered, up-to-now query: the member page then makes one call, not two."""
        return False

    def balance_from_history(self, *, member: MemberRef, page: ResultPage[PointsTransaction]) -> MemberBalance:
        """The current balance read off a non-empty history page for which history_shows_balance was true."""
        raise VendorNotSupported(vendor=self.vendor)

    def balance_ranking(self, *, query: RankingQuery) -> ResultPage[MemberBalance]:
        raise VendorNotSupported(vendor=self.vendor)

    def balances_by_ids(self, *, member_ids: Sequence[str]) -> list[MemberBalance]:
        raise VendorNotSupported(vendor=self.vendor)

    def shop_ledger(self, *, query: LedgerQuery) -> ResultPage[PointsTransaction]:
        raise VendorNotSupported(vendor=self.vendor)
