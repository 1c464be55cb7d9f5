from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerPermissions(models.Model):
    """Holds the role permissions (see pointsadmin/roles.py); it has no table: the ledger stores no vendor data."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("lookup_member", _("Look up members and their points history")),
            ("view_rankings", _("View balance rankings")),
            ("view_shop_ledger", _("View the shop ledger")),
            ("export_data", _("Export lists as CSV")),
            ("reveal_mobile", _("Reveal masked mobile numbers")),
            ("view_raw", _("See raw vendor replies")),
            ("manage_connections", _("Manage vendor connections")),
            ("view_audit", _("View the audit log")),
            ("manage_users", _("Manage users and their roles")),
        ]

    def __str__(self) -> str:
        return "ledger permissions"
