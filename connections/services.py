"""What the connection pages and commands do: create, change, enable/disable, delete, test, re-key.

Each change and its audit entry are written in one transaction. Audit details name the fields that changed,
never their values, except a changed base URL (an address is not a secret; where secrets may go is).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction
from audit.records import audit_record
from connections.addresses import AddressProblem, destination_problem
from connections.clients import connection_client
from connections.fields import DecryptionFailed, multi_fernet
from connections.models import VendorConnection, base_url_origin
from vendors.exceptions import VendorError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    # The signed-in admin of a page, or None from the shell.
    User = AbstractBaseUser | None

logger = logging.getLogger(__name__)

# The plain fields a form can change, in the order the audit entry lists them.
_PLAIN_FIELDS = ("name", "base_url", "timeout_seconds")
FORM_FIELDS = (*_PLAIN_FIELDS, "enabled")
_MESSAGE_MAX = VendorConnection._meta.get_field("last_test_message").max_length or 300


class ConnectionNameTaken(Exception):
    """Another connection already has this name (two admins saving at once; the form checks first)."""


@dataclass(frozen=True)
class ConnectionInput:
    """A validated create/edit: `credentials` typed (a secret not typed is kept), `cleared_credentials` removed."""

    name: str
    base_url: str
    timeout_seconds: int
    enabled: bool
    credentials: Mapping[str, str] = field(repr=False)
    cleared_credentials: frozenset[str] = frozenset()


def _details(via: str, **details: Any) -> dict[str, Any]:
    """Audit details; `via` says where a change came from when it was not a web page (e.g. manage.py)."""
    return {**details, "via": via} if via else details


def _audit(action: AuditAction, connection: VendorConnection, user: User, via: str, **details: Any) -> None:
    audit_record(
        user=user,
        action=action,
        connection=connection,
        target=connection.name,
        details=_details(via, vendor=connection.vendor, **details),
    )


def _credential_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [f"credentials.{key}" for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


def connection_create(*, vendor: str, data: ConnectionInput, user: User, via: str = "") -> VendorConnection:
    connection = VendorConnection(
        vendor=vendor,
        credentials=dict(data.credentials),
        created_by=user,
        updated_by=user,
        **{name: getattr(data, name) for name in FORM_FIELDS},
    )
    try:
        with transaction.atomic():
            connection.save()
            changed = [*FORM_FIELDS, *_credential_changes({}, connection.credentials)]
            _audit(AuditAction.CONNECTION_CREATED, connection, user, via, changed=changed)
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
            new_origin = base_url_origin(data.base_url)
            # Stored secrets go only where they were saved for: a new scheme, host or port needs them typed
            # again (the form asks for them; anything not typed is dropped, never carried over). Keys the vendor
            # no longer declares are kept: dropping them would be a silent data loss.
            dropped = data.cleared_credentials
            if current.secrets_origin != new_origin:
                dropped |= current.stored_secrets()
            stored = current.credentials or {}
            credentials = {key: value for key, value in stored.items() if key not in dropped} | dict(data.credentials)
            changed += _credential_changes(stored, credentials)
            enabled_changed = current.enabled != data.enabled
            if not changed and not enabled_changed:
                return []
            # Addresses are not secrets (the form refuses a user name or password in them).
            moved = {"base_url_old": current.base_url, "base_url_new": data.base_url} if "base_url" in changed else {}
            for name in FORM_FIELDS:
                setattr(current, name, getattr(data, name))
            current.credentials = credentials
            current.secrets_origin = new_origin
            current.updated_by = user
            current.save()
            if changed:
                _audit(AuditAction.CONNECTION_CHANGED, current, user, via, changed=changed, **moved)
            if enabled_changed:
                # Its own entry, so "who disabled this?" is one filter on the audit log away.
                _audit_enabled(current, user, via)
    except IntegrityError:
        raise ConnectionNameTaken(data.name) from None
    logger.info("connection %s changed: %s", current.pk, ", ".join(changed) or "enabled")
    return changed + (["enabled"] if enabled_changed else [])


def _audit_enabled(connection: VendorConnection, user: User, via: str) -> None:
    action = AuditAction.CONNECTION_ENABLED if connection.enabled else AuditAction.CONNECTION_DISABLED
    _audit(action, connection, user, via, changed=["enabled"])


def connection_set_enabled(*, connection: VendorConnection, enabled: bool, user: User, via: str = "") -> bool:
    """Enable or disable; returns False when it already was (nothing written, nothing audited)."""
    with transaction.atomic():
        current = VendorConnection.objects.select_for_update().defer("credentials").get(pk=connection.pk)
        if current.enabled == enabled:
            return False
        current.enabled = enabled
        current.updated_by = user
        # update_fields: the credentials column is not rewritten by a flip of a flag.
        current.save(update_fields=["enabled", "updated_by", "updated_at"])
        _audit_enabled(current, user, via)
    connection.enabled = enabled
    logger.info("connection %s %s", connection.pk, "enabled" if enabled else "disabled")
    return True


def connection_delete(*, connection: VendorConnection, user: User, via: str = "") -> None:
    with transaction.atomic():
        # Written first and without the foreign key: the entry outlives the row and names it in `target`.
        details = _details(via, vendor=connection.vendor, connection_id=connection.pk)
        audit_record(user=user, action=AuditAction.CONNECTION_DELETED, target=connection.name, details=details)
        # defer: deleting must work even when no key opens the credentials (nothing here needs them).
        VendorConnection.objects.filter(pk=connection.pk).defer("credentials").delete()
    logger.info("connection %s deleted", connection.pk)


# A vendor's own words reach the page only as a short excerpt (escaped by the templates, like all text).
VENDOR_TEXT_EXCERPT = 160
_CONTROL_CHARACTERS = dict.fromkeys(range(32), " ")


def vendor_text_excerpt(text: str) -> str:
    flat = " ".join(text.translate(_CONTROL_CHARACTERS).split())
    return flat if len(flat) <= VENDOR_TEXT_EXCERPT else flat[: VENDOR_TEXT_EXCERPT - 1].rstrip() + "…"


def _refusal_before_sending(connection: VendorConnection) -> AddressProblem | None:
    """Why the test must not send anything to the connection's base URL, or None."""
    origin = base_url_origin(connection.base_url)
    if connection.stored_secrets() and connection.secrets_origin != origin:
        message = _(
            "Not sent: the stored secrets were saved for %(saved)s, not for %(now)s. Type them again on the edit page."
        ) % {"saved": connection.secrets_origin or "?", "now": origin or "?"}
        return AddressProblem("secrets_origin", message)
    problem = destination_problem(connection.base_url)
    if problem is not None:
        return AddressProblem(problem.code, _("Not sent: %(reason)s") % {"reason": problem.message})
    return None


def connection_test(*, connection: VendorConnection, user: User, via: str = "") -> bool:
    """Sign in at the vendor and make one cheap read; whether it passed (also in last_test_*, and audited). Nothing
    is sent when the stored secrets belong to another address or the base URL may not be reached."""
    latency_ms: int | None = None
    refusal = _refusal_before_sending(connection)
    if refusal is not None:
        logger.warning("connection %s test not sent: %s", connection.pk, refusal.code)
        ok, message = False, str(refusal.message)
    else:
        started = time.perf_counter()
        try:
            note = connection_client(connection).test_connection()
            ok, message = True, vendor_text_excerpt(str(note)) if note else gettext("Connected.")
        except VendorError as error:
            # str(error) adds status and vendor code for the log; neither holds a secret (exceptions.py).
            logger.info("connection %s test failed: %s", connection.pk, error)
            ok, message = False, vendor_text_excerpt(error.user_message())
        latency_ms = round((time.perf_counter() - started) * 1000)
    not_sent = {"not_sent": refusal.code} if refusal is not None else {}
    last_test = {
        "last_tested_at": timezone.now(),
        "last_test_ok": ok,
        "last_test_message": message[:_MESSAGE_MAX],
        "last_test_latency_ms": latency_ms,
    }
    with transaction.atomic():
        # A queryset update of the four result columns only: a test running while an admin saves an edit
        # must not write the credentials it loaded back over the new ones.
        VendorConnection.objects.filter(pk=connection.pk).update(**last_test)
        _audit(AuditAction.CONNECTION_TESTED, connection, user, via, ok=ok, latency_ms=latency_ms, **not_sent)
    for name, value in last_test.items():
        setattr(connection, name, value)
    return ok


def connection_health() -> dict[str, int]:
    """How many connections are in each state, in one query; a disabled one counts only as disabled."""
    enabled = Q(enabled=True)
    return VendorConnection.objects.aggregate(
        total=Count("pk"),
        disabled=Count("pk", filter=Q(enabled=False)),
        passing=Count("pk", filter=enabled & Q(last_test_ok=True)),
        failing=Count("pk", filter=enabled & Q(last_test_ok=False)),
        untested=Count("pk", filter=enabled & Q(last_test_ok__isnull=True)),
    )


def credentials_rotate_key(*, user: User = None, via: str = "") -> tuple[int, int]:
    """Re-encrypt every connection's credentials with the newest key on the raw column text (no plaintext passes the
    model field); returns (rewritten, already current). All or nothing: a row no key opens raises DecryptionFailed."""
    keys, newest = multi_fernet(), Fernet(settings.FIELD_ENCRYPTION_KEYS[0])
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
            with contextlib.suppress(InvalidToken):
                newest.decrypt(raw.encode())
                already_current += 1
                continue
            try:
                rotated = keys.rotate(raw.encode()).decode()  # keeps the original timestamp
            except InvalidToken:
                raise DecryptionFailed(
                    f"Connection {pk}: no key in FIELD_ENCRYPTION_KEYS can decrypt its credentials."
                ) from None
            VendorConnection.objects.filter(pk=pk).update(credentials=Value(rotated, output_field=TextField()))
            rewritten += 1
        keys_configured = len(settings.FIELD_ENCRYPTION_KEYS)
        details = _details(via, rewritten=rewritten, already_current=already_current, keys_configured=keys_configured)
        audit_record(user=user, action=AuditAction.KEYS_ROTATED, details=details)
    logger.info("encryption key rotation: %s rewritten, %s already on the newest key", rewritten, already_current)
    return rewritten, already_current
