"""What the users page changes: create a user, change a role, deactivate or reactivate, reset a password,
lift a lockout. Each change and its audit entry are written in one transaction.

Passwords are never chosen by an admin: a new or reset user has no usable password until they set one
through a link (Django's password reset token, accounts.views.SetPasswordView), which the admin hands over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from axes.utils import reset as axes_reset
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.selectors import user_role_names
from audit.models import AuditAction
from audit.records import audit_record
from pointsadmin import roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class OwnAccountRefused(Exception):
    """An admin tried to deactivate, demote or reset themselves; the message says so, for people."""


class UsernameTaken(Exception):
    """Another user already has this username (two admins saving at once; the form checks first)."""


def _refuse_own(actor: AbstractBaseUser, user: User, message: str) -> None:
    if actor.pk == user.pk:
        raise OwnAccountRefused(message)


@transaction.atomic
def user_create(*, actor: AbstractBaseUser, username: str, full_name: str, role: str) -> User:
    """A new user in `role`, without a usable password (they set it through a link)."""
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(username)
    try:
        with transaction.atomic():
            # A Chinese name is written as one, family name first: it is kept whole in first_name.
            user = User.objects.create_user(username=username, first_name=full_name, password=None)
    except IntegrityError:
        raise UsernameTaken(username) from None
    user.groups.set([roles.role_group(role)])
    audit_record(user=actor, action=AuditAction.USER_CREATED, target=username, details={"role": role})
    return user


@transaction.atomic
def user_role_change(*, actor: AbstractBaseUser, user: User, role: str) -> bool:
    """Gives `user` exactly the one role `role`; False when that was already so (nothing audited)."""
    _refuse_own(actor, user, str(_("You cannot change your own role: another admin must do it.")))
    before = user_role_names(user)
    if before == [role]:
        return False
    user.groups.set([roles.role_group(role)])
    audit_record(
        user=actor,
        action=AuditAction.USER_ROLE_CHANGED,
        target=user.get_username(),
        details={"from": before, "to": role},
    )
    return True


@transaction.atomic
def user_deactivate(*, actor: AbstractBaseUser, user: User) -> bool:
    """Refused from the user's next request on (Django's ModelBackend does not authenticate inactive users)."""
    _refuse_own(actor, user, str(_("You cannot deactivate yourself: another admin must do it.")))
    if not user.is_active:
        return False
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(user=actor, action=AuditAction.USER_DEACTIVATED, target=user.get_username())
    return True


@transaction.atomic
def user_reactivate(*, actor: AbstractBaseUser, user: User) -> bool:
    if user.is_active:
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(user=actor, action=AuditAction.USER_REACTIVATED, target=user.get_username())
    return True


@transaction.atomic
def user_password_reset(*, actor: AbstractBaseUser, user: User) -> None:
    """The old password stops working at once, and with it every session of the user (Django checks a hash
    of the password with each session); the user sets a new one through a link."""
    _refuse_own(actor, user, str(_("You cannot reset your own password here: another admin must do it.")))
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(user=actor, action=AuditAction.USER_PASSWORD_RESET, target=user.get_username())


@transaction.atomic
def user_password_set(*, user: User) -> None:
    """Audits a password the user set through their link (the form saved it)."""
    audit_record(user=user, action=AuditAction.USER_PASSWORD_SET, target=user.get_username())


@transaction.atomic
def user_unlock(*, actor: AbstractBaseUser, user: User) -> int:
    """Lifts django-axes' lockout of this username from every address; how many failure records went."""
    cleared = axes_reset(username=user.get_username())
    if cleared:
        audit_record(
            user=actor,
            action=AuditAction.USER_UNLOCKED,
            target=user.get_username(),
            details={"attempts_cleared": cleared},
        )
    return cleared
