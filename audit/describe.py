"""One audit entry as a sentence in the reader's language, built from its action, target and details.

The details are what the caller chose to record (ids, page numbers, field names); a reader wants "Looked
up 138****1111, asked 4 connections", not "connections=[3, 4, 2, 1]". Each action has its own sentence; a detail an
older entry lacks is simply left out, and an action this code does not know is shown by its label.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, pgettext

from audit.models import AuditAction, AuditEntry
from pointsadmin.roles import role_label

# The rankings' sort fields by their recorded value (audit does not import the ledger app: it is used by it).
_SORT_LABELS = {
    "total": gettext_lazy("total points"),
    "available": gettext_lazy("available points"),
    "frozen": gettext_lazy("frozen points"),
}

# Connection fields by their recorded name; a credential is named by its own key (the vendor's word).
_FIELD_LABELS = {
    "name": gettext_lazy("name"),
    "base_url": gettext_lazy("address"),
    "timeout_seconds": gettext_lazy("timeout"),
    "enabled": gettext_lazy("enabled"),
}


def _page(details: dict[str, Any]) -> str:
    page = details.get("page")
    return _("page %(page)s") % {"page": page} if isinstance(page, int) and page > 1 else ""


def _join(sentence: str, *extras: str) -> str:
    """The sentence with its optional parts, separated as the language separates clauses."""
    parts = [sentence, *(extra for extra in extras if extra)]
    return pgettext("clause separator", ", ").join(parts)


def _lookup(entry: AuditEntry, details: dict[str, Any]) -> str:
    asked = details.get("connections")
    sentence = _("Looked up %(target)s") % {"target": entry.target}
    if isinstance(asked, list):
        count = len(asked)
        return _join(
            sentence,
            ngettext("asked %(count)d connection", "asked %(count)d connections", count) % {"count": count},
        )
    return sentence


def _member_view(entry: AuditEntry, details: dict[str, Any]) -> str:
    if details.get("chart"):
        # The member page's chart and totals, which load after the page when its period is longer than a page.
        rows = details.get("rows")
        sentence = _("Drew the chart of member %(target)s") % {"target": entry.target}
        if isinstance(rows, int):
            read = ngettext("from %(count)d record", "from %(count)d records", rows) % {"count": rows}
            return _join(sentence, read)
        return sentence
    return _join(_("Opened the page of member %(target)s") % {"target": entry.target}, _page(details))


def _mobile_revealed(entry: AuditEntry, details: dict[str, Any]) -> str:
    mobile = details.get("mobile")
    if mobile:
        return _("Revealed the mobile number of member %(target)s (%(mobile)s)") % {
            "target": entry.target,
            "mobile": mobile,
        }
    return _("Revealed the mobile number of member %(target)s") % {"target": entry.target}


def _order(details: dict[str, Any]) -> str:
    sort = _SORT_LABELS.get(str(details.get("sort", "")))
    if sort is None:
        return ""
    if details.get("descending", True):
        return _("highest %(field)s first") % {"field": sort}
    return _("lowest %(field)s first") % {"field": sort}


def _rankings_view(entry: AuditEntry, details: dict[str, Any]) -> str:
    return _join(_("Viewed the rankings"), _order(details), _page(details))


def _shop_ledger_view(entry: AuditEntry, details: dict[str, Any]) -> str:
    if entry.target:
        sentence = _("Viewed the shop ledger of %(target)s") % {"target": entry.target}
    else:
        sentence = _("Viewed the shop ledger")
    return _join(sentence, _page(details))


def _period(details: dict[str, Any]) -> str:
    start, end = details.get("start"), details.get("end")
    if start and end:
        return _("%(start)s to %(end)s") % {"start": start, "end": end}
    return ""


def _export(entry: AuditEntry, details: dict[str, Any]) -> str:
    what = details.get("what")
    if what == "member_history":
        sentence = _("Exported the points history of member %(target)s") % {"target": entry.target}
    elif what == "rankings":
        return _join(_("Exported the rankings"), _order(details))
    elif what == "shop_ledger" and entry.target:
        sentence = _("Exported the shop ledger of %(target)s") % {"target": entry.target}
    elif what == "shop_ledger":
        sentence = _("Exported the shop ledger")
    else:
        sentence = _("Exported %(target)s") % {"target": entry.target} if entry.target else _("Exported data")
    return _join(sentence, _period(details))


def _job(details: dict[str, Any]) -> str:
    job = details.get("job")
    return f"#{job}" if isinstance(job, int) else ""


def _export_started(entry: AuditEntry, details: dict[str, Any]) -> str:
    return _join(_("Started export job %(job)s") % {"job": _job(details)}, entry.target, _period(details))


def _export_downloaded(entry: AuditEntry, details: dict[str, Any]) -> str:
    rows = details.get("rows")
    extras = [ngettext("%(count)d row", "%(count)d rows", rows) % {"count": rows}] if isinstance(rows, int) else []
    if details.get("partial"):
        extras.append(_("incomplete"))
    return _join(_("Downloaded export job %(job)s") % {"job": _job(details)}, entry.target, *extras)


def _export_cancelled(entry: AuditEntry, details: dict[str, Any]) -> str:
    rows = details.get("rows")
    written = (
        ngettext("after %(count)d row", "after %(count)d rows", rows) % {"count": rows} if isinstance(rows, int) else ""
    )
    return _join(_("Cancelled export job %(job)s") % {"job": _job(details)}, entry.target, written)


def _via(details: dict[str, Any]) -> str:
    via = details.get("via")
    return _("via %(via)s") % {"via": via} if via else ""


def _changed_fields(details: dict[str, Any]) -> str:
    names = []
    for name in details.get("changed") or []:
        name = str(name)
        if name.startswith("credentials."):
            names.append(name.removeprefix("credentials."))
        else:
            names.append(str(_FIELD_LABELS.get(name, name)))
    return pgettext("list separator", ", ").join(names)


def _connection_sentence(template: str) -> Callable[[AuditEntry, dict[str, Any]], str]:
    def describe(entry: AuditEntry, details: dict[str, Any]) -> str:
        return _join(_(template) % {"target": entry.target or "—"}, _via(details))

    return describe


def _connection_changed(entry: AuditEntry, details: dict[str, Any]) -> str:
    fields = _changed_fields(details)
    if fields:
        sentence = _("Changed %(fields)s of connection %(target)s") % {"fields": fields, "target": entry.target}
    else:
        sentence = _("Changed connection %(target)s") % {"target": entry.target}
    return _join(sentence, _via(details))


def _connection_tested(entry: AuditEntry, details: dict[str, Any]) -> str:
    sentence = _("Tested connection %(target)s") % {"target": entry.target}
    ok, latency = details.get("ok"), details.get("latency_ms")
    if ok is True:
        result = _("the vendor accepted it")
        if isinstance(latency, int | float):
            result = _("the vendor accepted it in %(ms)s ms") % {"ms": f"{latency:,.0f}"}
    elif ok is False:
        result = _("the vendor refused it")
    else:
        result = ""
    return _join(sentence, result, _via(details))


def _keys_rotated(entry: AuditEntry, details: dict[str, Any]) -> str:
    rewritten = details.get("rewritten")
    if not isinstance(rewritten, int):
        return _join(_("Rotated the encryption key"), _via(details))
    current = details.get("already_current") or 0
    counts = ngettext("%(count)d connection re-encrypted", "%(count)d connections re-encrypted", rewritten) % {
        "count": rewritten
    }
    already = ngettext("%(count)d already on the newest key", "%(count)d already on the newest key", current) % {
        "count": current
    }
    return _join(_("Rotated the encryption key"), counts, already, _via(details))


def _user_created(entry: AuditEntry, details: dict[str, Any]) -> str:
    role = details.get("role")
    if role:
        return _("Created user %(target)s as %(role)s") % {"target": entry.target, "role": role_label(str(role))}
    return _("Created user %(target)s") % {"target": entry.target}


def _user_role_changed(entry: AuditEntry, details: dict[str, Any]) -> str:
    before, after = details.get("from"), details.get("to")
    if after:
        return _("Changed the role of %(target)s from %(before)s to %(after)s") % {
            "target": entry.target,
            "before": role_label(str(before)) if before else _("none"),
            "after": role_label(str(after)),
        }
    return _("Changed the role of %(target)s") % {"target": entry.target}


def _user_sentence(template: str) -> Callable[[AuditEntry, dict[str, Any]], str]:
    def describe(entry: AuditEntry, details: dict[str, Any]) -> str:
        return _(template) % {"target": entry.target or "—"}

    return describe


def _user_unlocked(entry: AuditEntry, details: dict[str, Any]) -> str:
    sentence = _("Lifted the lockout of %(target)s") % {"target": entry.target}
    cleared = details.get("attempts_cleared")
    if isinstance(cleared, int):
        cleared_text = ngettext("%(count)d failed attempt cleared", "%(count)d failed attempts cleared", cleared) % {
            "count": cleared
        }
        return _join(sentence, cleared_text)
    return sentence


# The sentences given by name are marked with gettext_noop and translated when an entry is described.
_DESCRIBERS: dict[str, Callable[[AuditEntry, dict[str, Any]], str]] = {
    AuditAction.MEMBER_LOOKUP: _lookup,
    AuditAction.MEMBER_VIEW: _member_view,
    AuditAction.MOBILE_REVEALED: _mobile_revealed,
    AuditAction.RANKINGS_VIEW: _rankings_view,
    AuditAction.SHOP_LEDGER_VIEW: _shop_ledger_view,
    AuditAction.EXPORT: _export,
    AuditAction.EXPORT_CREATED: _export_started,
    AuditAction.EXPORT_DOWNLOADED: _export_downloaded,
    AuditAction.EXPORT_CANCELLED: _export_cancelled,
    AuditAction.CONNECTION_CREATED: _connection_sentence(gettext_noop("Created connection %(target)s")),
    AuditAction.CONNECTION_CHANGED: _connection_changed,
    AuditAction.CONNECTION_ENABLED: _connection_sentence(gettext_noop("Enabled connection %(target)s")),
    AuditAction.CONNECTION_DISABLED: _connection_sentence(gettext_noop("Disabled connection %(target)s")),
    AuditAction.CONNECTION_TESTED: _connection_tested,
    AuditAction.CONNECTION_DELETED: _connection_sentence(gettext_noop("Deleted connection %(target)s")),
    AuditAction.KEYS_ROTATED: _keys_rotated,
    AuditAction.USER_CREATED: _user_created,
    AuditAction.USER_ROLE_CHANGED: _user_role_changed,
    AuditAction.USER_DEACTIVATED: _user_sentence(gettext_noop("Deactivated user %(target)s")),
    AuditAction.USER_REACTIVATED: _user_sentence(gettext_noop("Reactivated user %(target)s")),
    AuditAction.USER_PASSWORD_RESET: _user_sentence(gettext_noop("Reset the password of %(target)s")),
    AuditAction.USER_PASSWORD_SET: _user_sentence(gettext_noop("%(target)s set a password with a one-time link")),
    AuditAction.USER_UNLOCKED: _user_unlocked,
}


def describe_entry(entry: AuditEntry) -> str:
    """What `entry` records, as one sentence in the active language."""
    details = entry.details if isinstance(entry.details, dict) else {}
    describer = _DESCRIBERS.get(entry.action)
    if describer is None:
        return f"{entry.action_label} {entry.target}".strip()
    return describer(entry, details)
