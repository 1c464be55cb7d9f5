"""Tencent 心悦 (Xinyue) upbot API. Contract: vendor-docs/tencent-xinyue-GetUserClubPointsList.md, VENDORS.md §1."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ledger.vendors.base import CredentialField, VendorClient
from ledger.vendors.results import Capability


class XinyueClient(VendorClient):
    vendor = "xinyue"
    display_name = _("Tencent Xinyue")
    default_base_url = "https://bgw.xinyue.qq.com"
    credential_fields = (
        CredentialField("appid", _("App ID"), secret=False),
        CredentialField("app_secret", _("App secret")),
    )
    capabilities = frozenset({Capability.MEMBER_BALANCE, Capability.MEMBER_HISTORY})
