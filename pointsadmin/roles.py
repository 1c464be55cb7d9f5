"""The three roles and what each may do.

Roles are groups holding permissions (created by ledger's data migration), so a site can also grant
one permission to one person. Views check permissions, never group names.
"""

from __future__ import annotations

# Permissions are declared on ledger.models.LedgerPermissions (an unmanaged, table-less model).
PERM_LOOKUP_MEMBER = "ledger.lookup_member"
PERM_VIEW_RANKINGS = "ledger.view_rankings"
PERM_VIEW_SHOP_LEDGER = "ledger.view_shop_ledger"
PERM_EXPORT = "ledger.export_data"
PERM_REVEAL_MOBILE = "ledger.reveal_mobile"
PERM_VIEW_RAW = "ledger.view_raw"
PERM_MANAGE_CONNECTIONS = "ledger.manage_connections"
PERM_VIEW_AUDIT = "ledger.view_audit"

SUPPORT = "Support"
MANAGER = "Manager"
ADMIN = "Admin"

_SUPPORT_PERMS = [PERM_LOOKUP_MEMBER]
_MANAGER_PERMS = [*_SUPPORT_PERMS, PERM_VIEW_RANKINGS, PERM_VIEW_SHOP_LEDGER, PERM_EXPORT, PERM_REVEAL_MOBILE]
_ADMIN_PERMS = [*_MANAGER_PERMS, PERM_VIEW_RAW, PERM_MANAGE_CONNECTIONS, PERM_VIEW_AUDIT]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SUPPORT: _SUPPORT_PERMS,
    MANAGER: _MANAGER_PERMS,
    ADMIN: _ADMIN_PERMS,
}


def ensure_roles() -> None:
    """Create the role groups with their permissions where missing (the data migration does this once;
    this serves a database emptied since, e.g. by a transactional test's flush)."""
    from django.contrib.auth.models import Group, Permission

    for role, permission_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = [name.split(".", 1)[1] for name in permission_names]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="ledger", codename__in=codenames))
