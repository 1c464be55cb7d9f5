"""What the connection pages and commands do: create, change, enable/disable, delete, test, re-key.

Plain functions with keyword-only arguments (HackSoft style). Each change and its audit entry are
written in one transaction, so there is never a connection without its entry or the other way round.
Audit details name the fields that changed, never their values.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import AuditAction
from audit.records import audit_record
from connections.clients import connection_client
from connections.fields import DecryptionFailed, rotate_ciphertext
from connections.models import VendorConnection
from vendors.exceptions import VendorError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser | None

logger = logging.getLogger(__name__)

# The plain fields a form can change, in the order the audit entry lists them.
_PLAIN_FIELDS = ("name", "base_url", "timeout_seconds")
_MESSAGE_MAX = VendorConnection._meta.get_field("last_test_message").max_length or 300


class ConnectionNameTaken(Exception):
    """Another connection already has this name (two admins saving at once; the form checks first)."""


@dataclass(frozen=True)
class ConnectionInput:
    """A validated create/edit: `credentials` holds the values typed; a secret not typed is kept;
    `cleared_credentials` are removed."""

    name: str
    base_url: str
    timeout_seconds: int
    enabled: bool
    credentials: Mapping[str, str] = field(repr=False)
    cleared_credentials: frozenset[str] = frozenset()

    def merged_credentials(self, stored: Mapping[str, Any] | None) -> dict[str, Any]:
        # Keys the vendor no longer declares are kept: dropping them would be a silent data loss.
        merged = {key: value for key, value in (stored or {}).items() if key not in self.cleared_credentials}
        merged.update(self.credentials)
        return merged


def _actor(user: User) -> Any:
    return user if user is not None and user.is_authenticated else None


def _details(via: str, **details: Any) -> dict[str, Any]:
    """Audit details; `via` says where a change came from when it was not a web page (e.g. manage.py)."""
    if via:
        details["via"] = via
    return details


def _credential_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [f"credentials.{key}" for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


def connection_create(*, vendor: str, data: ConnectionInput, user: User, via: str = "") -> VendorConnection:
    credentials = data.merged_credentials({})
    connection = VendorConnection(
        vendor=vendor,
        name=data.name,
        base_url=data.base_url,
        timeout_seconds=data.timeout_seconds,
        enabled=data.enabled,
        credentials=credentials,
        created_by=_actor(user),
        updated_by=_actor(user),
    )
    try:
        with transaction.atomic():
            connection.save()
            audit_record(
                user=user,
                action=AuditAction.CONNECTION_CREATED,
                connection=connection,
                target=connection.name,
                details=_details(
                    via,
                    vendor=vendor,
                    changed=[*_PLAIN_FIELDS, "enabled", *_credential_changes({}, credentials)],
                ),
            )
    except IntegrityError:
        raise ConnectionNameTaken(data.name) from None
    logger.info("connection %s created (vendor %s)", connection.pk, vendor)
    return connection


def connection_update(*, connection: VendorConnection, data: ConnectionInput, user: User, via: str = "") -> list[str]:
    """Apply an edit; returns the names of the fields that changed (empty: nothing was written)."""
    try:
        with transaction.atomic():
            # Locked and re-read, so that "blank keeps the stored secret" merges with what is stored now.
            current = VendorConnection.objects.select_for_update().get(pk=connection.pk)
            changed = [name for name in _PLAIN_FIELDS if getattr(current, name) != getattr(data, name)]
            credentials = data.merged_credentials(current.credentials)
            changed += _credential_changes(current.credentials or {}, credentials)
            enabled_changed = current.enabled != data.enabled
            if not changed and not enabled_changed:
                return []
            for name in _PLAIN_FIELDS:
                setattr(current, name, getattr(data, name))
            current.enabled = data.enabled
            current.credentials = credentials
            current.updated_by = _actor(user)
            current.save()
            if changed:
                audit_record(
                    user=user,
                    action=AuditAction.CONNECTION_CHANGED,
                    connection=current,
                    target=current.name,
                    details=_details(via, vendor=current.vendor, changed=changed),
                )
            if enabled_changed:
                # Its own entry, so "who disabled this?" is one filter on the audit log away.
                _audit_enabled(current, user, via)
    except IntegrityError:
        raise ConnectionNameTaken(data.name) from None
    logger.info("connection %s changed: %s", current.pk, ", ".join(changed) or "enabled")
    return changed + (["enabled"] if enabled_changed else [])


def _audit_enabled(connection: VendorConnection, user: User, via: str) -> None:
    audit_record(
        user=user,
        action=AuditAction.CONNECTION_ENABLED if connection.enabled else AuditAction.CONNECTION_DISABLED,
        connection=connection,
        target=connection.name,
        details=_details(via, vendor=connection.vendor, changed=["enabled"]),
    )


def connection_set_enabled(*, connection: VendorConnection, enabled: bool, user: User, via: str = "") -> bool:
    """Enable or disable; returns False when it already was (nothing written, nothing audited)."""
    with transaction.atomic():
        current = VendorConnection.objects.select_for_update().defer("credentials").get(pk=connection.pk)
        if current.enabled == enabled:
            return False
        current.enabled = enabled
        current.updated_by = _actor(user)
        # update_fields: the credentials column is not rewritten by a flip of a flag.
        current.save(update_fields=["enabled", "updated_by", "updated_at"])
        _audit_enabled(current, user, via)
    connection.enabled = enabled
    logger.info("connection %s %s", connection.pk, "enabled" if enabled else "disabled")
    return True


def connection_delete(*, connection: VendorConnection, user: User, via: str = "") -> None:
    with transaction.atomic():
        # Written first and without the foreign key: the entry outlives the row and names it in `target`.
        audit_record(
            user=user,
            action=AuditAction.CONNECTION_DELETED,
            target=connection.name,
            details=_details(via, vendor=connection.vendor, connection_id=connection.pk),
        )
        # defer: deleting must work even when no key opens the credentials (nothing here needs them).
        VendorConnection.objects.filter(pk=connection.pk).defer("credentials").delete()
    logger.info("connection %s deleted", connection.pk)


# --- test ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str
    latency_ms: int
    tested_at: datetime


def connection_test(*, connection: VendorConnection, user: User, via: str = "") -> ConnectionTestResult:
    """Authenticate at the vendor and make one cheap read; record result and latency, audit it."""
    client = connection_client(connection)
    started = time.perf_counter()
    try:
        note = client.test_connection()
    except VendorError as error:
        # str(error) adds status and vendor code for the log; neither holds a secret (exceptions.py).
        logger.info("connection %s test failed: %s", connection.pk, error)
        ok, message = False, error.user_message()
    else:
        ok, message = True, str(note) if note else gettext("Connected.")
    latency_ms = round((time.perf_counter() - started) * 1000)
    result = ConnectionTestResult(
        ok=ok, message=message[:_MESSAGE_MAX], latency_ms=latency_ms, tested_at=timezone.now()
    )
    with transaction.atomic():
        # A queryset update of the four result columns only: a test running while an admin saves an edit
        # must not write the credentials it loaded back over the new ones.
        VendorConnection.objects.filter(pk=connection.pk).update(
            last_tested_at=result.tested_at,
            last_test_ok=result.ok,
            last_test_message=result.message,
            last_test_latency_ms=result.latency_ms,
        )
        audit_record(
            user=user,
            action=AuditAction.CONNECTION_TESTED,
            connection=connection,
            target=connection.name,
            details=_details(via, vendor=connection.vendor, ok=result.ok, latency_ms=result.latency_ms),
        )
    connection.last_tested_at = result.tested_at
    connection.last_test_ok = result.ok
    connection.last_test_message = result.message
    connection.last_test_latency_ms = result.latency_ms
    return result


# --- encryption keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRotationResult:
    rewritten: int
    already_current: int


def credentials_rotate_key(*, user: User = None, via: str = "") -> KeyRotationResult:
    """Re-encrypt every connection's credentials with the newest key in FIELD_ENCRYPTION_KEYS.

    Works on the raw column text (MultiFernet.rotate), so no plaintext passes through the model field.
    All or nothing: one row no key opens raises DecryptionFailed and rolls every row back.
    """
    newest = Fernet(settings.FIELD_ENCRYPTION_KEYS[0])
    rewritten = already_current = 0
    with transaction.atomic():
        # Cast to plain text so that the field's decryption (from_db_value) is not applied.
        rows = (
            VendorConnection.objects.select_for_update()
            .annotate(raw_credentials=Cast("credentials", output_field=TextField()))
            .values_list("pk", "raw_credentials")
            .order_by("pk")
        )
        for pk, raw in rows:
            if not raw:
                continue
            try:
                newest.decrypt(raw.encode())
            except InvalidToken:
                pass
            else:
                already_current += 1
                continue
            try:
                rotated = rotate_ciphertext(raw)
            except DecryptionFailed:
                raise DecryptionFailed(
                    f"Connection {pk}: no key in FIELD_ENCRYPTION_KEYS can decrypt its credentials."
                ) from None
            VendorConnection.objects.filter(pk=pk).update(credentials=Value(rotated, output_field=TextField()))
            rewritten += 1
        audit_record(
            user=user,
            action=AuditAction.KEYS_ROTATED,
            details=_details(
                via,
                rewritten=rewritten,
                already_current=already_current,
                keys_configured=len(settings.FIELD_ENCRYPTION_KEYS),
            ),
        )
    logger.info("encryption key rotation: %s rewritten, %s already on the newest key", rewritten, already_current)
    return KeyRotationResult(rewritten=rewritten, already_current=already_current)
