"""Vendor connections: one vendor account each, credentials encrypted at rest."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from connections.addresses import BadBaseURL, origin_of
from connections.fields import EncryptedJSONField
from vendors.base import VendorProfile
from vendors.registry import vendor_kinds, vendor_profile
from vendors.results import ConnectionConfig


def base_url_origin(url: str) -> str:
    """The scheme://host[:port] of a base URL, as stored in `secrets_origin` ("" for a URL with none)."""
    try:
        return str(origin_of(url))
    except BadBaseURL:
        return ""


def _vendor_choices() -> list[tuple[str, str]]:
    # Labels resolved lazily; migrations do not need to change when a vendor's display name does.
    return [(kind, kind) for kind in vendor_kinds()]


class VendorConnection(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    vendor = models.CharField(_("vendor"), max_length=20, choices=_vendor_choices)
    base_url = models.URLField(_("base URL"), max_length=300)
    credentials = EncryptedJSONField(_("credentials"), default=dict)
    # The origin the secrets were typed for: they are sent to no other (connections/services.py).
    secrets_origin = models.CharField(_("address the secrets were saved for"), max_length=300, blank=True)
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.secrets_origin and self._state.adding:
            # A new connection's secrets belong to its URL (also when made without the services: demo_setup, a shell).
            self.secrets_origin = base_url_origin(self.base_url)
        super().save(*args, **kwargs)

    @property
    def failing(self) -> bool:
        """The last test (run on every save, or by the button) failed: the vendor did not accept the settings."""
        return self.last_test_ok is False

    @property
    def profile(self) -> VendorProfile | None:
        """What the vendor can do; None for a vendor no longer registered (its connections do nothing)."""
        try:
            return vendor_profile(self.vendor)
        except LookupError:
            return None

    @property
    def vendor_display(self) -> str:
        return str(self.profile.display_name) if self.profile else self.vendor

    def stored_secrets(self) -> frozenset[str]:
        """The secrets that have a value: the pages may say which ('set ✓'), never what."""
        specs, credentials = self.profile.credential_fields if self.profile else (), self.credentials or {}
        return frozenset(spec.name for spec in specs if spec.secret and credentials.get(spec.name))

    def to_config(self) -> ConnectionConfig:
        return ConnectionConfig(
            id=self.pk,
            vendor=self.vendor,
            base_url=self.base_url.rstrip("/"),
            credentials=dict(self.credentials or {}),
            timeout=float(self.timeout_seconds),
        )
