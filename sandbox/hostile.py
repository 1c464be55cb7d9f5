"""The `hostile_data` knob: a vendor that answers with values meant to break the dashboard.

`hostile_reply` turns a data endpoint's normal reply into a hostile one, changing the FIRST row only (so
that a test can see one bad row degrade one row or one panel, never the page). Kinds:

- `long_text`: every text field of the row is 200,000 characters (markup included);
- `huge_number`: every number of the row is 10^30 (the balance reply's amount too);
- `slash_id`: the row's member id contains "/" (a valid id: it goes into URLs through a `path` converter);
- `unsafe_id`: the row's member or record id is 300 characters of "../" and markup (an id we must refuse).
"""

from __future__ import annotations

import json
from typing import Any

HOSTILE_KINDS = ("long_text", "huge_number", "slash_id", "unsafe_id")

LONG_TEXT = ("<b>超长</b>" + "长" * 990)[:1000] * 200
HUGE_NUMBER = 10**30
UNSAFE_ID = ("../<script>" * 30)[:300]

# Per vendor, the fields of a row (xinyue data.list, xiaoe data.list, kingdee data.rows) by what they hold.
TEXT_FIELDS = {
    "xinyue": ("desc",),
    "xiaoe": ("remark", "business_type"),
    "kingdee": ("type_name", "member_name", "type_number"),
}
NUMBER_FIELDS = {
    "xinyue": ("amount",),
    "xiaoe": ("flow_count", "total_balance", "balance"),
    "kingdee": ("integral", "last_integral", "occur"),
}
MEMBER_ID_FIELDS = {"xinyue": (), "xiaoe": ("user_id",), "kingdee": ("member_id",)}
RECORD_ID_FIELDS = {"xinyue": ("id",), "xiaoe": ("flow_id",), "kingdee": ("id",)}


def _rows(payload: Any) -> list[Any]:
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return []
    rows = data.get("rows", data.get("list"))
    return rows if isinstance(rows, list) else []


def make_hostile(vendor: str, payload: Any, kind: str) -> Any:
    """`payload` (a decoded reply) with its first row made hostile by `kind`; changed in place and returned."""
    if kind not in HOSTILE_KINDS:
        raise ValueError(f"hostile_data is one of {HOSTILE_KINDS}")
    data = payload.get("data") if isinstance(payload, dict) else None
    if kind == "huge_number" and isinstance(data, dict) and "amount" in data:
        data["amount"] = HUGE_NUMBER  # Xinyue's balance reply: no rows, one number
    rows = _rows(payload)
    if not rows or not isinstance(rows[0], dict):
        return payload
    row = rows[0]
    if kind == "long_text":
        fields, value = TEXT_FIELDS[vendor], LONG_TEXT
    elif kind == "huge_number":
        fields, value = NUMBER_FIELDS[vendor], HUGE_NUMBER
    elif kind == "slash_id":
        for name in MEMBER_ID_FIELDS[vendor]:
            if name in row:
                row[name] = f"shop/{row[name]}"
        return payload
    else:
        fields, value = MEMBER_ID_FIELDS[vendor] + RECORD_ID_FIELDS[vendor], UNSAFE_ID
    for name in fields:
        if name in row or kind == "long_text":
            row[name] = value
    return payload


def hostile_reply(vendor: str, reply: Any, kind: str) -> Any:
    """`reply` (a sandbox Reply) with a hostile first row; errors and non-JSON replies pass unchanged."""
    if reply.status != 200:
        return reply
    try:
        payload = json.loads(reply.body)
    except ValueError:
        return reply
    reply.body = json.dumps(make_hostile(vendor, payload, kind), ensure_ascii=False).encode()
    return reply
