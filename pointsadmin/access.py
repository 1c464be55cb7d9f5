"""Each user's permissions and role names, cached: every page checks permissions (the view's decorator and
the navigation) and shows the user's roles, which cost Django's ModelBackend three queries per request.

An entry is tagged with a generation; any change to users, roles or their permissions starts a new generation
(see the receivers below), so a revoked permission stops working on the next request, on every worker.
Entry and generation are read in one cache round trip.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

ACCESS_KEY = "auth:access:{pk}"
GENERATION_KEY = "auth:access-generation"
# A safety net only: changes made through the ORM end an entry's life at once.
ACCESS_SECONDS = 600


@dataclass(frozen=True)
class Access:
    permissions: frozenset[str]
    roles: tuple[str, ...]


def _generation(found: dict[str, Any]) -> str:
    generation = found.get(GENERATION_KEY)
    if isinstance(generation, str):
        return generation
    cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    return str(cache.get(GENERATION_KEY))


def access_of(user: Any) -> Access:
    """The permissions ("app.codename") and role names of an active, authenticated `user` (read once per
    request: kept on the user object, as ModelBackend keeps its _perm_cache)."""
    memo = getattr(user, "_access_memo", None)
    if isinstance(memo, Access):
        return memo
    user._access_memo = access = _cached_access(user)
    return access


def _cached_access(user: Any) -> Access:
    key = ACCESS_KEY.format(pk=user.pk)
    found = cache.get_many([key, GENERATION_KEY])
    generation = _generation(found)
    entry = found.get(key)
    if isinstance(entry, dict) and entry.get("generation") == generation:
        return Access(frozenset(entry["permissions"]), tuple(entry["roles"]))
    access = Access(
        permissions=frozenset(ModelBackend().get_all_permissions(user)),
        roles=tuple(user.groups.order_by("name").values_list("name", flat=True)),
    )
    entry = {"generation": generation, "permissions": sorted(access.permissions), "roles": list(access.roles)}
    cache.set(key, entry, timeout=ACCESS_SECONDS)
    return access


def user_roles(user: Any) -> tuple[str, ...]:
    if user is None or not user.is_authenticated or not user.is_active:
        return ()
    return access_of(user).roles


class CachedModelBackend(ModelBackend):
    """ModelBackend whose permissions come from access_of (one cache read instead of two queries)."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = set(access_of(user_obj).permissions)
        return user_obj._perm_cache


def new_generation(**kwargs: Any) -> None:
    """Receiver: something that decides access changed; every cached entry is now stale."""
    if kwargs.get("sender") is User and kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # every login saves last_login, which decides nothing
    if kwargs.get("action", "post_").startswith("pre_"):
        return
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def connect_receivers() -> None:
    for model in (User, Group, Permission):
        post_save.connect(new_generation, sender=model, dispatch_uid=f"access-save-{model.__name__}")
        post_delete.connect(new_generation, sender=model, dispatch_uid=f"access-delete-{model.__name__}")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(new_generation, sender=through, dispatch_uid=f"access-m2m-{through.__name__}")
