"""The three roles and what each may do: groups holding permissions (so one permission can be granted to one
person); views check permissions, never group names."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# Permissions are declared on ledger.models.LedgerPermissions (an unmanaged, table-less model).
PERM_LOOKUP_MEMBER = "ledger.lookup_member"
PERM_VIEW_RANKINGS = "ledger.view_rankings"
PERM_VIEW_SHOP_LEDGER = "ledger.view_shop_ledger"
PERM_EXPORT = "ledger.export_data"
PERM_REVEAL_MOBILE = "ledger.reveal_mobile"
PERM_VIEW_RAW = "ledger.view_raw"
PERM_MANAGE_CONNECTIONS = "ledger.manage_connections"
PERM_VIEW_AUDIT = "ledger.view_audit"
PERM_MANAGE_USERS = "ledger.manage_users"

SUPPORT = "Support"
MANAGER = "Manager"
ADMIN = "Admin"

_SUPPORT_PERMS = [PERM_LOOKUP_MEMBER]
_MANAGER_PERMS = [*_SUPPORT_PERMS, PERM_VIEW_RANKINGS, PERM_VIEW_SHOP_LEDGER, PERM_EXPORT, PERM_REVEAL_MOBILE]
_ADMIN_PERMS = [*_MANAGER_PERMS, PERM_VIEW_RAW, PERM_MANAGE_CONNECTIONS, PERM_VIEW_AUDIT, PERM_MANAGE_USERS]

ROLE_PERMISSIONS: dict[str, list[str]] = {SUPPORT: _SUPPORT_PERMS, MANAGER: _MANAGER_PERMS, ADMIN: _ADMIN_PERMS}

# The group names stay English (they are data, and views never check them); people read these.
ROLE_LABELS: dict[str, Promise] = {
    SUPPORT: pgettext_lazy("role", "Support"),
    MANAGER: pgettext_lazy("role", "Manager"),
    ADMIN: pgettext_lazy("role", "Admin"),
}


def role_label(name: str) -> str:
    """A role's name in the reader's language; a group that is not one of ours keeps its own name."""
    return str(ROLE_LABELS.get(name, name))


def role_group(name: str) -> Group:
    """The group of one of our roles, created with its permissions if it is missing."""
    if name not in ROLE_PERMISSIONS:
        raise LookupError(f"no such role: {name}")
    group = Group.objects.filter(name=name).first()
    if group is None:
        ensure_roles()
    return group or Group.objects.get(name=name)


def ensure_roles() -> None:
    """Create the role groups with their permissions where missing (e.g. after a transactional test's flush)."""
    for role, permission_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = [name.split(".", 1)[1] for name in permission_names]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="ledger", codename__in=codenames))
