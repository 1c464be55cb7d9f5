"""A made-up fourth vendor, "Acme Rewards", written as a real one would be: one module, registered with one line
(here the POINTS_VENDORS setting, in tests/test_fourth_vendor.py). Its API, faked there with `responses`:

- every call carries `X-Api-Key`; replies are {"code": 0, "msg": "…", "data": …};
- GET /v1/ping → data null;
- GET /v1/cards/<card>/balance → data {"points": 120};
- GET /v1/cards/<card>/records?page=&size=&from=&to= (unix seconds) → data {"total", "items": [{"id", "at"
  (unix seconds), "points" (signed), "note"}]}, newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.utils import timezone

from vendors import results
from vendors.base import CredentialField, MemberIdentifier, VendorProfile
from vendors.http import CodeMessageClient, result_page
from vendors.parsing import as_decimal, as_list, as_mapping, as_optional_int, as_text, from_epoch
from vendors.results import Capability, Direction, LookupKind, MemberBalance, MemberRef, PointsTransaction

T = TypeVar("T")


class AcmeClient(CodeMessageClient):
    profile = VendorProfile(
        key="acme",
        display_name="Acme Rewards",
        capabilities=frozenset({Capability.MEMBER_BALANCE, Capability.MEMBER_HISTORY}),
        identifiers=(MemberIdentifier(LookupKind.MEMBER_ID, "card number", pattern=r"ACME-\d{6}"),),
        default_base_url="https://api.acme-rewards.test",
        credential_fields=(CredentialField("api_key", "API key"),),
        max_page_size=50,
    )

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        headers = {"X-Api-Key": self.credential("api_key")}
        return self.send("GET", path, params=params, headers=headers, unwrap=self._unwrap)

    def test_connection(self) -> str:
        self._get("/v1/ping")
        return "API key accepted."

    def member_balance(self, *, member: MemberRef) -> MemberBalance | None:
        data = as_mapping(self._get(f"/v1/cards/{member.value}/balance"), "data", vendor=self.vendor)
        points = as_decimal(data.get("points"), "data.points", vendor=self.vendor)
        return MemberBalance(self.config.id, member.value, points, points, None, as_of=timezone.now())

    def member_history(
        self, *, member: MemberRef, query: results.HistoryQuery
    ) -> results.ResultPage[PointsTransaction]:
        self.check_history_query(query)
        params = {"page": str(query.page), "size": str(query.page_size)}
        if query.start is not None:
            params["from"] = str(int(query.start.timestamp()))
        if query.end is not None:
            params["to"] = str(int(query.end.timestamp()))
        reply = as_mapping(self._get(f"/v1/cards/{member.value}/records", params), "data", vendor=self.vendor)
        records = [
            self._record(member, row, f"data.items[{index}]")
            for index, row in enumerate(as_list(reply.get("items"), "data.items", vendor=self.vendor))
        ]
        total = as_optional_int(reply.get("total"), "data.total", vendor=self.vendor)
        return result_page(records, page=query.page, page_size=query.page_size, reported_total=total)

    def _record(self, member: MemberRef, row: Any, where: str) -> PointsTransaction:
        fields = as_mapping(row, where, vendor=self.vendor)

        def read(name: str, reader: Callable[..., T]) -> T:
            return reader(fields.get(name), (where, name), vendor=self.vendor)

        points = read("points", as_decimal)
        return PointsTransaction(
            connection_id=self.config.id,
            record_id=read("id", as_text),
            member_id=member.value,
            occurred_at=read("at", from_epoch),
            change=points,
            direction=Direction.SUBTRACT if points < 0 else Direction.ADD,
            description=read("note", as_text),
            raw=dict(fields),
        )
