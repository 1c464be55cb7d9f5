"""Vendor replies in the documented shapes, shared by the vendor-client tests and the page tests."""

from __future__ import annotations


def record(**fields: str) -> dict[str, str]:
    """A Kingdee integral_record row, every field a string as the doc's Row table has it; `fields` override."""
    row = {
        "create_time": "2025-05-20 14:30:00",
        "id": "r1",
        "integral": "480",
        "last_integral": "500",
        "member_id": "M001",
        "member_name": "张三",
        "modify_time": "2025-05-20 14:30:00",
        "occur": "20",
        "type_id": "t1",
        "type_name": "兑换",
        "type_number": "EXCHANGE",
    }
    row.update(fields)
    return row


def records_reply(rows: list[dict], count: int | None = None, page_size: int = 20, page: int = 1) -> dict:
    """Kingdee's envelope around one page of `rows` (count and total_page consistent unless told otherwise)."""
    count = len(rows) if count is None else count
    data = {"count": count, "cur_page_size": len(rows), "page": page, "page_size": page_size, "rows": rows}
    data["total_page"] = max(1, -(-count // page_size))
    return {"errcode": 0, "description": "success", "data": data}
