"""Template context shared by every page: the signed-in user's roles, named in the user menu."""

from __future__ import annotations

from django.http import HttpRequest

from pointsadmin.access import user_roles


def user_menu(request: HttpRequest) -> dict[str, object]:
    return {"user_roles": user_roles(getattr(request, "user", None))}
