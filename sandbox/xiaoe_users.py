"""Xiaoe-tech `xe.user.info.get` (VENDORS.md §2, 用户管理-查询): a user found by phone, user id or WeChat ids.

Its users are the Xiaoe dataset's members. The first members are the people the Kingdee shops share
(sandbox/data.py's shared people): they carry the same name and mobile here, so that the demo's shared mobile
finds the same person at Xiaoe and at both Kingdee shops. Every other phone is stored with the country code
("+86-139…", which the docs warn about), so that a client must try both forms.

Strict where the docs are vague: `field_list` is required and names only known fields, exactly one
identifier is given, a phone matches only as stored, the token is checked and calls count against their own
limit of 3,000 per 10 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.core import Reply, Request, SandboxState, json_reply, with_headers
from sandbox.data import Dataset

PATH = "/xe.user.info.get/1.0.0"
RATE_LIMIT = 3000  # calls per 10 s per app, its own limit (VENDORS.md §2)
KNOWN_FIELDS = frozenset(
    {"user_id", "phone", "nickname", "name", "is_seal", "avatar", "gender", "wx_union_id", "wx_open_id"}
)
IDENTIFIERS = ("user_id", "phone", "wx_union_id", "wx_open_id")
# How many members come first in the Kingdee datasets as the people both shops share (sandbox/core.py).
SHARED_PEOPLE = 150
NO_SUCH_USER = {"code": 2010, "msg": "用户不存在", "data": None}  # the code is not documented: a plausible one


@dataclass(frozen=True)
class User:
    user_id: str
    phone: str  # as stored: plain 11 digits or "+86-" and 11 digits
    nickname: str
    name: str

    def fields(self, wanted: list[str]) -> dict[str, Any]:
        values = {
            "user_id": self.user_id,
            "phone": self.phone,
            "nickname": self.nickname,
            "name": self.name,
            "is_seal": 0,
            "avatar": "",
            "gender": 0,
            "wx_union_id": "",
            "wx_open_id": "",
        }
        return {"user_id": self.user_id} | {name: values[name] for name in wanted}


_USERS: dict[tuple[int, int], dict[str, dict[str, User]]] = {}


def users(dataset: Dataset, kingdee: Dataset) -> dict[str, dict[str, User]]:
    """The dataset's users by identifier kind ("user_id", "phone") and value (a phone as stored); built once."""
    key = (id(dataset), id(kingdee))
    if key not in _USERS:
        _USERS[key] = _build_users(dataset, kingdee)
    return _USERS[key]


def _build_users(dataset: Dataset, kingdee: Dataset) -> dict[str, dict[str, User]]:
    by: dict[str, dict[str, User]] = {"user_id": {}, "phone": {}, "wx_union_id": {}, "wx_open_id": {}}
    for index, member in enumerate(dataset.members):
        if index < SHARED_PEOPLE and index < len(kingdee.members):
            person = kingdee.members[index]
            # The shared people are stored as typed (plain digits), the others with the country code.
            user = User(member.member_id, person.mobile, person.name, person.name)
        else:
            user = User(member.member_id, f"+86-{member.mobile}", member.name, "")
        by["user_id"][user.user_id] = user
        by["phone"][user.phone] = user
    return by


def _field_list(data: dict[str, Any]) -> list[str] | None:
    """The fields asked for: a list of names or an object keyed by them (the docs show "{...}"); None if invalid."""
    field_list = data.get("field_list")
    names = list(field_list) if isinstance(field_list, (list, dict)) else None
    if not names or not all(isinstance(name, str) and name in KNOWN_FIELDS for name in names):
        return None
    return names


def user_info(state: SandboxState, request: Request, empty: bool) -> Reply:
    # Imported here: sandbox/xiaoe.py imports this module to register the endpoint.
    from sandbox.xiaoe import ERRORS

    bad_params = json_reply(ERRORS["bad_params"])
    body = request.json()
    if not isinstance(body, dict):
        return bad_params
    account = state.token_account("xiaoe", str(body.get("access_token", "")))  # the token goes in the body
    if account is None:
        return json_reply(ERRORS["bad_token"])
    if not state.within_limit("rate_limit:xiaoe", f"{account.key}:user_info", RATE_LIMIT, 10):
        limited = {"code": 2029, "msg": "请求过于频繁（10秒3000次）", "data": None}
        return with_headers(json_reply(limited, 429), {"Retry-After": "1"})
    data = body.get("data")
    if not isinstance(data, dict):
        return bad_params
    wanted = _field_list(data)
    given = {"user_id": body.get("user_id")} | {name: data.get(name) for name in IDENTIFIERS[1:]}
    given = {name: value for name, value in given.items() if value not in (None, "")}
    if wanted is None or len(given) != 1 or not all(isinstance(value, str) for value in given.values()):
        return bad_params
    ((kind, value),) = given.items()
    user = None if empty else users(account.dataset, state.datasets["kingdee-sh"])[kind].get(value)
    if user is None:
        return json_reply(NO_SUCH_USER)
    return json_reply({"code": 0, "msg": "success", "data": user.fields(wanted)})
