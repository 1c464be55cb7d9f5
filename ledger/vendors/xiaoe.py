"""Xiaoe-tech 小鹅通 API. Contract: vendor-docs/xiaoe-xe.account.info.batch.md, VENDORS.md §2."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ledger.vendors.base import CredentialField, VendorClient
from ledger.vendors.results import Capability


class XiaoeClient(VendorClient):
    vendor = "xiaoe"
    display_name = _("Xiaoe-tech")
    default_base_url = "https://api.xiaoe-tech.com"
    credential_fields = (
        CredentialField("app_id", _("App ID (shop id)"), secret=False),
        # Merchants from before 2019-12-09 may have no client_id (VENDORS.md §2).
        CredentialField("client_id", _("Client ID"), secret=False, required=False),
        CredentialField("secret_key", _("Secret key")),
    )
    capabilities = frozenset(
        {
            Capability.MEMBER_BALANCE,
            Capability.MEMBER_HISTORY,
            Capability.BALANCE_RANKING,
            Capability.BALANCES_BY_IDS,
        }
    )
