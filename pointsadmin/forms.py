"""The login form, with our own words for every error (Django's stock ones read "请输入一个正确的 用户名 和密码")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

NULL_CHARACTER_MESSAGE = _("This contains a null character, which cannot be part of it. Type it again.")


def refuse_null_characters_in_our_words(form: forms.Form) -> None:
    """Every text field refuses a null character (Django's validator): in our words, not its stock ones."""
    for field in form.fields.values():
        if any(isinstance(validator, ProhibitNullCharactersValidator) for validator in field.validators):
            field.error_messages.setdefault("null_characters_not_allowed", NULL_CHARACTER_MESSAGE)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The username or the password is wrong. Both are case-sensitive; after several failed tries the "
            "login is locked for a while."
        ),
        "inactive": _("This user is deactivated. Ask an admin to reactivate it."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages.update(
            required=_("Enter your username."), max_length=_("A username has at most %(limit_value)d characters.")
        )
        self.fields["password"].error_messages["required"] = _("Enter your password.")
        refuse_null_characters_in_our_words(self)
