"""Vendor connections: one vendor account each, credentials encrypted at rest."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from connections.fields import EncryptedJSONField
from vendors.registry import vendor_kinds, vendor_profile
from vendors.results import ConnectionConfig


def _vendor_choices() -> list[tuple[str, str]]:
    # Labels resolved lazily; migrations do not need to change when a vendor's display name does.
    return [(kind, kind) for kind in vendor_kinds()]


class VendorConnection(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    vendor = models.CharField(_("vendor"), max_length=20, choices=_vendor_choices)
    base_url = models.URLField(_("base URL"), max_length=300)
    credentials = EncryptedJSONField(_("credentials"), default=dict)
    enabled = models.BooleanField(_("enabled"), default=True)
    timeout_seconds = models.PositiveSmallIntegerField(
        _("request timeout (seconds)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_tested_at = models.DateTimeField(_("last tested"), null=True, blank=True)
    last_test_ok = models.BooleanField(_("last test passed"), null=True, blank=True)
    last_test_message = models.CharField(_("last test result"), max_length=300, blank=True)
    last_test_latency_ms = models.PositiveIntegerField(_("last test latency (ms)"), null=True, blank=True)

    class Meta:
        ordering = ["vendor", "name"]
        verbose_name = _("vendor connection")
        verbose_name_plural = _("vendor connections")

    def __str__(self) -> str:
        return self.name

    @property
    def vendor_display(self) -> str:
        try:
            return str(vendor_profile(self.vendor).display_name)
        except LookupError:
            return self.vendor

    def credential_keys_set(self) -> list[str]:
        """Names of the credentials that have a value: what the UI may say ('set ✓'), never the values."""
        creds: dict[str, Any] = self.credentials or {}
        return [key for key, value in creds.items() if value]

    def to_config(self) -> ConnectionConfig:
        return ConnectionConfig(
            id=self.pk,
            name=self.name,
            vendor=self.vendor,
            base_url=self.base_url.rstrip("/"),
            credentials=dict(self.credentials or {}),
            timeout=float(self.timeout_seconds),
        )
