"""The forms of the users page. Every field says what is wrong in our own words, not Django's stock ones."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.selectors import NO_ROLE
from pointsadmin import roles
from pointsadmin.forms import refuse_null_characters_in_our_words

USERNAME_MAX = User._meta.get_field("username").max_length or 150
FULL_NAME_MAX = User._meta.get_field("first_name").max_length or 150
SEARCH_MAX = 150

ACTIVE = "active"
INACTIVE = "inactive"
LOCKED = "locked"


def role_choices() -> list[tuple[str, Any]]:
    return [(name, roles.ROLE_LABELS[name]) for name in roles.ROLE_PERMISSIONS]


class UserFilterForm(forms.Form):
    """The list's filters, from the query string. A bad value is named on the page and ignored."""

    q = forms.CharField(
        label=_("Search"),
        max_length=SEARCH_MAX,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Username or full name"), "type": "search"}),
        error_messages={"max_length": _("Search for at most %(limit_value)d characters.")},
    )
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        error_messages={"invalid_choice": _("There is no such role.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            (ACTIVE, _("Active")),
            (INACTIVE, _("Deactivated")),
            (LOCKED, _("Locked out")),
        ],
        error_messages={"invalid_choice": _("There is no such status.")},
    )
    page = forms.IntegerField(
        min_value=1,
        required=False,
        error_messages={
            "invalid": _("The page number must be a whole number."),
            "min_value": _("The page number must be a whole number."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All roles")), *role_choices(), (NO_ROLE, _("No role"))]
        refuse_null_characters_in_our_words(self)

    def clean_page(self) -> int:
        # Clamped rather than refused: an old bookmark past the end still shows something useful.
        return min(self.cleaned_data.get("page") or 1, 10**6)


class RoleField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Role"))
        kwargs.setdefault(
            "error_messages",
            {"required": _("Choose a role."), "invalid_choice": _("Choose one of the roles listed.")},
        )
        kwargs.setdefault(
            "help_text",
            _(
                "Support: member look-up. Manager: also rankings, shop ledger and exports. "
                "Admin: also vendor accounts, users and the audit log."
            ),
        )
        super().__init__(choices=role_choices, **kwargs)


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=USERNAME_MAX,
        help_text=_("Used to log in. Letters, digits and @ . + - _ only."),
        validators=[RegexValidator(r"^[\w.@+-]+\Z", message=_("Use only letters, digits and @ . + - _ (no spaces)."))],
        error_messages={
            "required": _("Enter a username."),
            "max_length": _("A username has at most %(limit_value)d characters."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=FULL_NAME_MAX,
        required=False,
        help_text=_("Shown to other admins, so that they know who this is."),
        error_messages={"max_length": _("A full name has at most %(limit_value)d characters.")},
    )
    role = RoleField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        refuse_null_characters_in_our_words(self)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        # Refused regardless of case: "Support" beside "support" would only confuse people.
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("There is already a user with this username."), code="taken")
        return username


class RoleForm(forms.Form):
    role = RoleField()


class NewPasswordForm(SetPasswordForm):
    """Django's SetPasswordForm (its password validators included), with our own words for missing fields."""

    error_messages = {
        **SetPasswordForm.error_messages,
        "password_mismatch": _("The two passwords are not the same. Type the same password twice."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = _("Enter a new password.")
        self.fields["new_password2"].error_messages["required"] = _("Type the new password again.")
        refuse_null_characters_in_our_words(self)
