"""Template context shared by every page: the navigation the current user's role may see."""

from __future__ import annotations

from collections.abc import Container

from django.http import HttpRequest

from pointsadmin import roles
from pointsadmin.access import user_roles


class _Everything:
    def __contains__(self, permission: object) -> bool:
        return True


def _granted(user: object) -> Container[str]:
    """What user.has_perm would grant, read once: an active superuser has every permission; anyone else what the
    backends' get_all_permissions give (the backends here are ModelBackends, whose has_perm is exactly that).
    Eight has_perm calls cost eight passes over the backends, each built anew by auth.get_backends()."""
    if user.is_active and user.is_superuser:
        return _Everything()
    return user.get_all_permissions()


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    granted = _granted(user)
    return {
        "user_roles": user_roles(user),
        "can": {
            "lookup": roles.PERM_LOOKUP_MEMBER in granted,
            "rankings": roles.PERM_VIEW_RANKINGS in granted,
            "shop_ledger": roles.PERM_VIEW_SHOP_LEDGER in granted,
            "export": roles.PERM_EXPORT in granted,
            "reveal_mobile": roles.PERM_REVEAL_MOBILE in granted,
            "view_raw": roles.PERM_VIEW_RAW in granted,
            "manage_connections": roles.PERM_MANAGE_CONNECTIONS in granted,
            "view_audit": roles.PERM_VIEW_AUDIT in granted,
            "manage_users": roles.PERM_MANAGE_USERS in granted,
        },
    }
