"""What the database holds for the ledger: permissions and the audit log, never vendor data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerPermissions(models.Model):
    """Holds the role permissions (see pointsadmin/roles.py); it has no table."""

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
        ]

    def __str__(self) -> str:
        return "ledger permissions"


class AuditAction(models.TextChoices):
    CONNECTION_CREATED = "connection_created", _("Connection created")
    CONNECTION_CHANGED = "connection_changed", _("Connection changed")
    CONNECTION_ENABLED = "connection_enabled", _("Connection enabled")
    CONNECTION_DISABLED = "connection_disabled", _("Connection disabled")
    CONNECTION_TESTED = "connection_tested", _("Connection tested")
    CONNECTION_DELETED = "connection_deleted", _("Connection deleted")
    KEYS_ROTATED = "keys_rotated", _("Encryption key rotated")
    MEMBER_LOOKUP = "member_lookup", _("Member lookup")
    MEMBER_VIEW = "member_view", _("Member page viewed")
    MOBILE_REVEALED = "mobile_revealed", _("Mobile number revealed")
    RANKINGS_VIEW = "rankings_view", _("Rankings viewed")
    SHOP_LEDGER_VIEW = "shop_ledger_view", _("Shop ledger viewed")
    EXPORT = "export", _("Export")


class AuditEntry(models.Model):
    """One thing somebody did. `details` never holds a secret; mobiles in it are masked."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept as text too, so the entry still says who after the user is deleted.
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices, db_index=True)
    connection = models.ForeignKey(
        "connections.VendorConnection",
        verbose_name=_("connection"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target = models.CharField(_("target"), max_length=255, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.target}"
