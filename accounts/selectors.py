"""What the users page reads: the users with their roles, and who django-axes is locking out now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from pointsadmin import roles

NO_ROLE = "none"


def users_listing(*, search: str = "", role: str = "", active: bool | None = None) -> QuerySet[User]:
    """Users by username, each with its groups read in one more query. `role` is a role name or NO_ROLE."""
    users = User.objects.order_by("username").prefetch_related("groups")
    if search:
        users = users.filter(Q(username__icontains=search) | Q(first_name__icontains=search))
    if role == NO_ROLE:
        users = users.filter(groups__isnull=True)
    elif role:
        users = users.filter(groups__name=role)
    if active is not None:
        users = users.filter(is_active=active)
    return users.distinct()


def locked_out_until(usernames: Iterable[str] | None = None) -> dict[str, datetime | None]:
    """Usernames django-axes refuses right now, with when the refusal ends (None: until an admin unlocks).

    Read as axes' database handler decides: failures of one username from one address (our
    AXES_LOCKOUT_PARAMETERS), summed over user agents, within the cool-off after the latest failure.
    `usernames` limits the answer (None: everybody).
    """
    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.all()
    if usernames is not None:
        attempts = attempts.filter(username__in=list(usernames))
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    locks = (
        attempts.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), latest=Max("attempt_time"))
        .filter(failures__gte=get_failure_limit(None, None))
    )
    until: dict[str, datetime | None] = {}
    for lock in locks:
        ends = lock["latest"] + cool_off if cool_off is not None else None
        known = until.get(lock["username"], ends)
        # Locked from several addresses: the last lock to end is the one that matters.
        until[lock["username"]] = None if ends is None or known is None else max(ends, known)
    return until


def user_role_names(user: User) -> list[str]:
    """The user's role groups, ours first in their order (reads the prefetched groups when there are)."""
    order = list(roles.ROLE_PERMISSIONS)
    names = [group.name for group in user.groups.all()]
    return sorted(names, key=lambda name: (order.index(name) if name in order else len(order), name))
