"""What every page's top bar needs beyond `user` and `perms`: the user's role names in the reader's language."""

from __future__ import annotations

from django.http import HttpRequest

from pointsadmin.roles import role_label


def user_menu(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_roles": [role_label(name) for name in user.groups.order_by("name").values_list("name", flat=True)]}
