"""Template context shared by every page: the navigation the current user's role may see."""

from __future__ import annotations

from django.http import HttpRequest

from pointsadmin import roles
from pointsadmin.access import user_roles


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_roles": user_roles(user),
        "can": {
            "lookup": user.has_perm(roles.PERM_LOOKUP_MEMBER),
            "rankings": user.has_perm(roles.PERM_VIEW_RANKINGS),
            "shop_ledger": user.has_perm(roles.PERM_VIEW_SHOP_LEDGER),
            "export": user.has_perm(roles.PERM_EXPORT),
            "reveal_mobile": user.has_perm(roles.PERM_REVEAL_MOBILE),
            "view_raw": user.has_perm(roles.PERM_VIEW_RAW),
            "manage_connections": user.has_perm(roles.PERM_MANAGE_CONNECTIONS),
            "view_audit": user.has_perm(roles.PERM_VIEW_AUDIT),
        },
    }
