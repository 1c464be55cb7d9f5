"""Each user's permissions and role names, cached: every page checks permissions (the view's decorator and
the navigation) and shows the user's roles, which cost Django's ModelBackend three queries per request.

An entry is tagged with a generation; any change to users, roles or their permissions starts a new generation
(see the receivers below), so a revoked permission stops working on the next request, on every worker.
Entry and generation are read in one cache round trip.

The user row itself is kept per process under the same generation (CachedModelBackend.get_user), with the user's
access, so an ordinary page reads no auth table and no access entry at all; the generation comes with the session
(pointsadmin.sessions). The row stays in this process's memory: password hashes never go to the cache.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models.signals import m2m_changed, post_delete, post_save

from pointsadmin.generations import Generation, generation_keys, remember_read

ACCESS_KEY = "auth:access:{pk}"
GENERATION_KEY = "auth:access-generation"
# A safety net only: changes made through the ORM end an entry's life at once.
ACCESS_SECONDS = 600
# How long this process trusts a user row it read, even with an unchanged generation: a bound on what a change
# made without signals (a raw UPDATE, another program) can go unnoticed.
USER_MEMO_SECONDS = 60


@dataclass(frozen=True)
class Access:
    permissions: frozenset[str]
    roles: tuple[str, ...]


access_generation = Generation(GENERATION_KEY)


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
    # get_user has usually read both already, in the same round trip that validated its memo.
    found = getattr(user, "_access_found", None)
    if not isinstance(found, dict):
        found = cache.get_many([key, GENERATION_KEY])
    generation = access_generation.current(found)
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


@dataclass(frozen=True)
class _RememberedUser:
    generation: str
    expires_at: float
    field_names: tuple[str, ...]
    values: tuple[Any, ...]
    database: str
    access: Access  # the user's permissions and roles, under the same generation


_users: dict[Any, _RememberedUser] = {}
_users_lock = threading.Lock()
_USER_MEMO_SIZE = 10_000


def forget_users() -> None:
    with _users_lock:
        _users.clear()


class CachedModelBackend(ModelBackend):
    """ModelBackend whose permissions come from access_of (one cache read instead of two queries), and whose
    get_user (run on every request) reuses this process's copy of the user row while the generation holds."""

    def get_user(self, user_id: Any) -> Any:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:  # a pk of the wrong shape: nobody, as Django treats it
            return None
        # Usually read already, with the session (pointsadmin.sessions): no round trip of its own.
        generation = access_generation.current()
        remembered = _users.get(pk)
        if remembered is not None and remembered.generation == generation and remembered.expires_at > time.monotonic():
            user = User.from_db(remembered.database, remembered.field_names, remembered.values)
            user._access_memo = remembered.access
            return user
        key = ACCESS_KEY.format(pk=pk)
        # The access entry, and every generation again in the same round trip (they may have moved since).
        found = cache.get_many([key, *generation_keys()])
        remember_read(found)
        found[GENERATION_KEY] = generation = access_generation.current(found)
        user = super().get_user(pk)
        if user is not None:
            user._access_found = found
            self._remember(pk, generation, user, access_of(user))
        return user

    @staticmethod
    def _remember(pk: Any, generation: str, user: Any, access: Access) -> None:
        fields = user._meta.concrete_fields
        remembered = _RememberedUser(
            generation=generation,
            expires_at=time.monotonic() + USER_MEMO_SECONDS,
            field_names=tuple(field.attname for field in fields),
            values=tuple(getattr(user, field.attname) for field in fields),
            database=user._state.db or router.db_for_read(User),
            access=access,
        )
        with _users_lock:
            if len(_users) >= _USER_MEMO_SIZE:
                _users.clear()  # a bound on memory; the next requests read their rows again
            _users[pk] = remembered

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
    access_generation.bump_now_and_on_commit(kwargs.get("using"))


def connect_receivers() -> None:
    for model in (User, Group, Permission):
        post_save.connect(new_generation, sender=model, dispatch_uid=f"access-save-{model.__name__}")
        post_delete.connect(new_generation, sender=model, dispatch_uid=f"access-delete-{model.__name__}")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(new_generation, sender=through, dispatch_uid=f"access-m2m-{through.__name__}")
