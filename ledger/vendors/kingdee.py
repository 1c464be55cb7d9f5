"""Kingdee 精斗云 (jdy) API. Contract: vendor-docs/kingdee-jdy-integral_record.md, VENDORS.md §3."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ledger.vendors.base import CredentialField, VendorClient
from ledger.vendors.results import Capability


class KingdeeClient(VendorClient):
    vendor = "kingdee"
    display_name = _("Kingdee JDY")
    default_base_url = "https://api.kingdee.com"
    credential_fields = (
        CredentialField("client_id", _("Client ID"), secret=False),
        CredentialField("client_secret", _("Client secret")),
        CredentialField("app_key", _("App key"), secret=False),
        CredentialField("app_secret", _("App secret")),
        CredentialField(
            "domain",
            _("Tenant domain (X-GW-Router-Addr)"),
            secret=False,
            help_text=_("The domain returned with your app key, e.g. https://tf.jdy.com"),
        ),
    )
    capabilities = frozenset({Capability.MEMBER_BALANCE, Capability.MEMBER_HISTORY, Capability.SHOP_LEDGER})
    history_has_balance_after = True
