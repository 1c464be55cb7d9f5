"""The vendors we can connect to. Adding a vendor: one module with a VendorClient subclass, one line here."""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

from vendors.base import VendorClient

VENDOR_CLIENT_PATHS: dict[str, str] = {
    "xinyue": "vendors.xinyue.XinyueClient",
    "xiaoe": "vendors.xiaoe.XiaoeClient",
    "kingdee": "vendors.kingdee.KingdeeClient",
}


@cache
def client_class(vendor: str) -> type[VendorClient]:
    try:
        path = VENDOR_CLIENT_PATHS[vendor]
    except KeyError:
        raise LookupError(f"unknown vendor {vendor!r}") from None
    return import_string(path)


def vendor_kinds() -> list[str]:
    return list(VENDOR_CLIENT_PATHS)


def vendor_choices() -> list[tuple[str, str]]:
    return [(kind, str(client_class(kind).display_name)) for kind in VENDOR_CLIENT_PATHS]
