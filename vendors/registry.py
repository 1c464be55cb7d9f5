"""The vendors we can connect to. Adding a vendor: one module with a VendorClient subclass, one line here (or in
the POINTS_VENDORS setting, which replaces this mapping)."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from vendors.base import VendorClient, VendorProfile

VENDOR_CLIENT_PATHS: dict[str, str] = {
    "xinyue": "vendors.xinyue.XinyueClient",
    "xiaoe": "vendors.xiaoe.XiaoeClient",
    "kingdee": "vendors.kingdee.KingdeeClient",
}


def vendor_client_paths() -> Mapping[str, str]:
    """Registry key → dotted path of the client class, in the order pages list the vendors."""
    return getattr(settings, "POINTS_VENDORS", VENDOR_CLIENT_PATHS)


def client_class(vendor: str) -> type[VendorClient]:
    try:
        path = vendor_client_paths()[vendor]
    except KeyError:
        raise LookupError(f"unknown vendor {vendor!r}") from None
    cls = import_string(path)
    if cls.profile.key != vendor:
        raise ImproperlyConfigured(f"{path} is registered as {vendor!r} but its profile says {cls.profile.key!r}")
    return cls


def vendor_profile(vendor: str) -> VendorProfile:
    return client_class(vendor).profile


def vendor_profiles() -> list[VendorProfile]:
    return [vendor_profile(vendor) for vendor in vendor_client_paths()]


def vendor_kinds() -> list[str]:
    return list(vendor_client_paths())


def vendor_choices() -> list[tuple[str, str]]:
    return [(profile.key, str(profile.display_name)) for profile in vendor_profiles()]
