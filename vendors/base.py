"""The interface every vendor client implements (like django-anymail's backends/base.py): a VendorProfile, and a
client built from a ConnectionConfig answering in the dataclasses of results.py. The HTTP plumbing is shared
(http.py), so a vendor module holds only its profile, endpoints, authentication and parsing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext

from vendors.calls import call_vendors_concurrently
from vendors.exceptions import VendorNotSupported, VendorQueryError
from vendors.parsing import mainland_mobile
from vendors.results import (
    Capability,
    ConnectionConfig,
    Direction,
    HistoryQuery,
    LedgerQuery,
    LookupKind,
    MemberBalance,
    MemberRef,
    MemberSummary,
    Outcome,
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
class MemberIdentifier:
    """A kind of identifier a vendor finds members by: its name in the search box's hint, and the text it takes (a
    regular expression; a mobile number in any of its written forms, parsing.mainland_mobile)."""

    kind: LookupKind
    label: str | Promise
    pattern: str = ""
    # A form only this vendor issues: text it matches is asked of this vendor alone.
    exclusive: bool = False

    def matches(self, text: str) -> bool:
        if self.kind == LookupKind.MOBILE:
            return mainland_mobile(text) is not None
        return re.fullmatch(self.pattern, text) is not None


_SCRIPT_BOUNDARY = re.compile(r"(?<=[\u3400-\u9fff])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[\u3400-\u9fff])")


def cjk_spaced(text: str) -> str:
    """A space wherever a Chinese character meets a Latin letter or digit ("按openid" → "按 openid"), the way
    the vendors' consoles write. For our own sentences that put a word of either script into a Chinese one;
    never for names people typed."""
    return _SCRIPT_BOUNDARY.sub(" ", text)


def spoken_list(items: Sequence[str]) -> str:
    """ "a, b or c" in the active language."""
    if len(items) < 2:
        return "".join(items)
    head = pgettext("between the items of a list", ", ").join(items[:-1])
    return cjk_spaced(gettext("%(items)s or %(last)s") % {"items": head, "last": items[-1]})


@dataclass(frozen=True)
class VendorProfile:
    """All the rest of the dashboard knows about a vendor (forms and pages read this, never the client class)."""

    key: str  # registry key, stored in VendorConnection.vendor (at most 20 characters)
    display_name: str | Promise
    default_base_url: str
    credential_fields: tuple[CredentialField, ...]
    capabilities: frozenset[Capability]
    # What a typed identifier is taken to be at this vendor, tried in this order. A mobile number is only ever a
    # mobile number: a vendor that finds no one by mobile is not sent one as if it were an id.
    identifiers: tuple[MemberIdentifier, ...] = ()
    # Page sizes the vendor accepts; forms offer these of (10, 20, 50, 100).
    max_page_size: int = 100
    # Whether history rows carry the balance after each change (otherwise the chart works back from the balance).
    history_has_balance_after: bool = False
    # Directions the vendor filters history by on its side (filtering a page of its results here would break paging).
    history_directions: frozenset[Direction] = frozenset()
    # Whether history can be filtered by a points type code (typed: the codes are set up per tenant).
    history_type_filter: bool = False
    # Whether the vendor filters history by whole calendar months (Asia/Shanghai) only: a date range is then
    # widened to the months it touches, and the page says so.
    history_whole_months: bool = False
    # The longest date range one history query may span (None: unlimited).
    max_history_days: int | None = None

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @property
    def offers_member_data(self) -> bool:
        return bool(self.capabilities & {Capability.MEMBER_BALANCE, Capability.MEMBER_HISTORY})

    def claims(self, identifier: str) -> bool:
        """Whether `identifier` is in a form only this vendor issues (then no other vendor is asked)."""
        text = identifier.strip()
        return any(i.exclusive and i.matches(text) for i in self.identifiers)

    def lookup_kind(self, identifier: str) -> LookupKind | None:
        """How this vendor would look up `identifier` typed in the search box, or None if it can't."""
        text = identifier.strip()
        if mainland_mobile(text) is not None:
            return LookupKind.MOBILE if any(i.kind == LookupKind.MOBILE for i in self.identifiers) else None
        return next((i.kind for i in self.identifiers if i.matches(text)), None)

    @property
    def searches_by(self) -> str:
        """What the vendor finds members by, in words ("member id or mobile number"): the lookup page names the
        connections it did not ask, and why, so that a page without them is not read as "not a member there"."""
        return spoken_list(list(dict.fromkeys(str(identifier.label) for identifier in self.identifiers)))

    @property
    def found_by(self) -> str:
        """ "by openid" / "按 openid", "按用户 ID": the space is put in only where Chinese meets Latin."""
        return cjk_spaced(pgettext("how a vendor finds members", "by %(what)s") % {"what": self.searches_by})


class VendorClient:
    """Subclasses set `profile` and implement the methods of its capabilities; the others raise VendorNotSupported."""

    profile: ClassVar[VendorProfile]

    def __init__(self, config: ConnectionConfig) -> None:
        self.config = config

    @property
    def vendor(self) -> str:
        return self.profile.key

    def member_value(self, member: MemberRef, *kinds: LookupKind) -> str:
        """The member's identifier, if it is of one of `kinds`; a VendorQueryError naming them otherwise."""
        value = member.value.strip()
        if member.kind in kinds and value:
            return value
        labels = dict.fromkeys(str(i.label) for i in self.profile.identifiers if i.kind in kinds)
        message = gettext("This vendor looks members up by %(what)s only.") % {"what": spoken_list(list(labels))}
        raise VendorQueryError(cjk_spaced(message), vendor=self.vendor)

    def test_connection(self) -> str:
        """Authenticate and make one cheap read; return a short success note or raise VendorError."""
        raise NotImplementedError

    def member_balance(self, *, member: MemberRef) -> MemberBalance | None:
        """The member's balance, or None when the vendor does not know the member."""
        raise VendorNotSupported(vendor=self.vendor)

    def member_history(self, *, member: MemberRef, query: HistoryQuery) -> ResultPage[PointsTransaction]:
        raise VendorNotSupported(vendor=self.vendor)

    def member_summary(self, *, member: MemberRef, query: HistoryQuery | None) -> MemberSummary:
        """The balance and, for `query`, a page of history, asked at once (a vendor telling both in one call
        overrides this)."""
        calls = {}
        if self.profile.supports(Capability.MEMBER_BALANCE):
            calls["balance"] = lambda: self.member_balance(member=member)
        if query is not None and self.profile.supports(Capability.MEMBER_HISTORY):
            calls["history"] = lambda: self.member_history(member=member, query=query)
        outcomes = call_vendors_concurrently(calls)
        return MemberSummary(balance=outcomes.get("balance", Outcome(value=None)), history=outcomes.get("history"))

    def balance_ranking(self, *, query: RankingQuery) -> ResultPage[MemberBalance]:
        raise VendorNotSupported(vendor=self.vendor)

    def balances_by_ids(self, *, member_ids: Sequence[str]) -> list[MemberBalance]:
        raise VendorNotSupported(vendor=self.vendor)

    def shop_ledger(self, *, query: LedgerQuery) -> ResultPage[PointsTransaction]:
        raise VendorNotSupported(vendor=self.vendor)
