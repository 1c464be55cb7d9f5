"""The columns of each export and one vendor row as a spool line (exports/spool.py).

A spooled row is a list of texts (or None for an empty cell), one per column: Decimals as their exact text, times
as ISO 8601 with their offset, the direction as its code. The writers turn them into cells in the job's language and
time zone, so a row spooled before a consumer died is written exactly like one spooled after it resumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.describe import describe_entry
from audit.records import mask_mobile
from vendors.results import MemberBalance, PointsTransaction

if TYPE_CHECKING:
    from audit.models import AuditEntry

# A row's identity for de-duplication (None: the vendor gives it none) and its cells.
SpoolRow = tuple[str | None, list[str | None]]


class CellType(StrEnum):
    TEXT = "text"  # vendor text: always a string cell, never a formula
    NUMBER = "number"  # points: a Decimal's text
    TIME = "time"  # an aware datetime in ISO 8601
    DIRECTION = "direction"  # a Direction code, written as its label
    ROW_NUMBER = "row_number"  # counted when written (ranks: a duplicate dropped leaves no gap)


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    type: CellType


TRANSACTION_COLUMNS = (
    Column("occurred_at", _("Time"), CellType.TIME),
    Column("record_id", _("Record id"), CellType.TEXT),
    Column("member_id", _("Member id"), CellType.TEXT),
    Column("member_name", pgettext_lazy("person", "Name"), CellType.TEXT),
    Column("mobile", _("Mobile"), CellType.TEXT),
    Column("change", _("Change"), CellType.NUMBER),
    Column("direction", _("Direction"), CellType.DIRECTION),
    Column("balance_before", _("Balance before"), CellType.NUMBER),
    Column("balance_after", _("Balance after"), CellType.NUMBER),
    Column("type_code", _("Type code"), CellType.TEXT),
    # The vendor's name of the points type, for every vendor in this column; its free text in the next.
    Column("type_name", _("Type"), CellType.TEXT),
    Column("description", _("Description"), CellType.TEXT),
)

RANKING_COLUMNS = (
    Column("rank", _("Rank"), CellType.ROW_NUMBER),
    Column("member_id", _("Member id"), CellType.TEXT),
    Column("name", pgettext_lazy("person", "Name"), CellType.TEXT),
    Column("mobile", _("Mobile"), CellType.TEXT),
    Column("total", _("Total"), CellType.NUMBER),
    Column("available", _("Available"), CellType.NUMBER),
    Column("frozen", _("Frozen"), CellType.NUMBER),
    Column("first_earned_at", _("First earned"), CellType.TIME),
)

# The audit log's columns: the page's own (when, who, what happened, vendor account) with the action and the target
# in columns of their own, so that a spreadsheet can filter by them.
AUDIT_COLUMNS = (
    Column("created_at", _("Time"), CellType.TIME),
    Column("user", _("User"), CellType.TEXT),
    Column("action", _("Action"), CellType.TEXT),
    Column("entry", _("What happened"), CellType.TEXT),
    Column("target", _("Target"), CellType.TEXT),
    Column("connection", _("Vendor account"), CellType.TEXT),
)


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def transaction_row(item: PointsTransaction) -> SpoolRow:
    # Mobiles masked, as on the pages: revealing one is a separate, audited act.
    cells = [
        item.occurred_at.isoformat(),
        _text(item.record_id),
        _text(item.member_id),
        _text(item.member_name),
        _text(mask_mobile(item.mobile) if item.mobile else ""),
        _text(item.change),
        item.direction.value,
        _text(item.balance_before),
        _text(item.balance_after),
        _text(item.type_code),
        _text(item.type_name),
        _text(item.description),
    ]
    # Xinyue documents no record id: its rows cannot be told from a real repeat, so none of them is dropped.
    return (f"r:{item.record_id}" if item.record_id else None), cells


def ranking_row(balance: MemberBalance) -> SpoolRow:
    cells = [
        None,
        _text(balance.member_id),
        _text(balance.name),
        _text(mask_mobile(balance.mobile) if balance.mobile else ""),
        _text(balance.total),
        _text(balance.available),
        _text(balance.frozen),
        balance.first_earned_at.isoformat() if balance.first_earned_at is not None else None,
    ]
    return (f"m:{balance.member_id}" if balance.member_id else None), cells


# A mainland mobile anywhere in a text (not part of a longer id or number).
_MOBILE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9+])(?:\+?86)?1\d{10}(?![A-Za-z0-9])")


def _masked_text(value: str) -> str:
    """`value` with every full mobile in it masked: entries are written masked, and an older one that was not must
    not put a full number into a file."""
    return _MOBILE_IN_TEXT.sub(lambda match: mask_mobile(match.group(0)), value)


def audit_row(entry: AuditEntry) -> SpoolRow:
    """One audit entry as the page shows it, the sentence and the action's label in the active language (the job's,
    as the runner fetches): audit/describe.py."""
    cells = [
        entry.created_at.isoformat(),
        _text(entry.username),
        _text(entry.action_label),
        _text(_masked_text(describe_entry(entry))),
        _text(_masked_text(entry.target)),
        _text(entry.connection.name if entry.connection is not None else ""),
    ]
    return f"a:{entry.pk}", cells
