"""Who the user is to the rest of the page: the names of their roles (groups), for the user menu.

Permissions are Django's own: ModelBackend reads them once per request, so a role taken away, a permission
revoked or a user deactivated applies on the next request, on every worker.
"""

from __future__ import annotations

from typing import Any


def user_roles(user: Any) -> tuple[str, ...]:
    if user is None or not user.is_authenticated or not user.is_active:
        return ()
    return tuple(user.groups.order_by("name").values_list("name", flat=True))
