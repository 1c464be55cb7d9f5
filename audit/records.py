"""Writing the audit log. Every caller goes through `audit_record` so that masking is applied once."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from audit.models import AuditAction, AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from connections.models import VendorConnection

_MOBILE = re.compile(r"^(\+?86)?(1\d{2})(\d{4})(\d{4})$")


def mask_mobile(value: str) -> str:
    """`13812345678` → `138****5678`; anything that is not a mainland mobile comes back unchanged."""
    match = _MOBILE.match(value.strip())
    if not match:
        return value
    return f"{match.group(2)}****{match.group(4)}"


def audit_record(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    action: AuditAction,
    target: str = "",
    connection: VendorConnection | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    actor = user if user is not None and user.is_authenticated else None
    # By id: assigning the related objects makes Django check each one (type, database router) on every page.
    return AuditEntry.objects.create(
        user_id=actor.pk if actor is not None else None,
        username=actor.get_username() if actor is not None else "",
        action=action,
        connection_id=connection.pk if connection is not None else None,
        target=mask_mobile(target)[:255],
        details=details or {},
    )
