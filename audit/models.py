"""The audit log: who did what, when, to which member or connection. Never a secret; mobiles masked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    MEMBER_PANEL_VIEW = "member_panel_view", _("Member panel viewed")
    MOBILE_REVEALED = "mobile_revealed", _("Mobile number revealed")
    RANKINGS_VIEW = "rankings_view", _("Rankings viewed")
    SHOP_LEDGER_VIEW = "shop_ledger_view", _("Shop ledger viewed")
    EXPORT = "export", _("Export")
    USER_CREATED = "user_created", _("User created")
    USER_ROLE_CHANGED = "user_role_changed", _("User's role changed")
    USER_DEACTIVATED = "user_deactivated", _("User deactivated")
    USER_REACTIVATED = "user_reactivated", _("User reactivated")
    USER_PASSWORD_RESET = "user_password_reset", _("User's password reset")
    USER_PASSWORD_SET = "user_password_set", _("Password set with a link")
    USER_UNLOCKED = "user_unlocked", _("User's lockout lifted")
    EXPORT_CREATED = "export_created", _("Export started")
    EXPORT_DOWNLOADED = "export_downloaded", _("Export downloaded")
    EXPORT_CANCELLED = "export_cancelled", _("Export cancelled")


class AuditEntry(models.Model):
    """One thing somebody did. `details` never holds a secret; mobiles in it are masked."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept as text too, so the entry still says who after the user is deleted.
    username = models.CharField(_("username"), max_length=150, blank=True)
    # No `choices` on the column: the list of actions grows with features and is not schema (a label is
    # looked up in AuditAction when shown).
    action = models.CharField(_("action"), max_length=40, db_index=True)
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
        # The table kept its name when the model moved here from the ledger app.
        db_table = "ledger_auditentry"
        ordering = ["-created_at", "-id"]
        # The log only grows: "Who looked this member up" (a target) and a support agent's recent searches
        # (their lookups, newest first) are read from an index, not by scanning every entry.
        indexes = [
            models.Index(fields=["target", "created_at"], name="audit_target_time"),
            models.Index(fields=["user", "action", "id"], name="audit_user_action"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.target}"

    @property
    def action_label(self) -> str:
        try:
            return str(AuditAction(self.action).label)
        except ValueError:
            return self.action
