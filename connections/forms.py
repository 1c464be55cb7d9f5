"""The connection form: one class per vendor, built from the `credential_fields` of its profile.

Secrets are write-only: rendered empty, kept when left blank on edit, never put back into the page, and bound
to the origin they were saved for (a base URL pointing elsewhere needs them typed again). Every message is our
own (Django's stock ones read like "确保该变量包含不超过 100 字符").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from connections.addresses import base_url_problem
from connections.models import VendorConnection, base_url_origin
from connections.services import FORM_FIELDS, ConnectionInput
from pointsadmin.forms import refuse_null_characters_in_our_words
from vendors.base import CredentialField
from vendors.registry import vendor_profile

# Form field names of credentials carry a prefix, so that a vendor credential called e.g. "name"
# can never collide with the connection's own fields.
CREDENTIAL_PREFIX = "credential_"
CLEAR_PREFIX = "clear_"

TIMEOUT_MESSAGE = _("Enter the timeout as a whole number of seconds from 1 to 120.")
REQUIRED_MESSAGE = _("Please fill this in.")
MAX_LENGTH_MESSAGE = _("At most %(limit_value)d characters (this has %(show_value)d).")
TEXT_MESSAGES = {"required": REQUIRED_MESSAGE, "max_length": MAX_LENGTH_MESSAGE}
NAME_TAKEN_MESSAGE = _("A vendor account with this name already exists.")


class ConnectionForm(forms.Form):
    """Fields every vendor shares; `connection_form_class` adds the vendor's credentials."""

    vendor: str = ""
    credential_specs: tuple[CredentialField, ...] = ()

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        error_messages=TEXT_MESSAGES,
        help_text=_("Shown to staff next to every result from this account, e.g. “Shanghai shop”."),
    )
    base_url = forms.URLField(
        label=_("Base URL"),
        max_length=300,
        # Only http(s): the clients speak nothing else, and a javascript: or file: URL has no business here.
        validators=[URLValidator(schemes=["http", "https"])],
        # One message for a malformed URL and a wrong scheme (both validators raise code "invalid").
        error_messages={**TEXT_MESSAGES, "invalid": _("Enter a valid http:// or https:// address.")},
        assume_scheme="https",
        help_text=_("Where the vendor's API answers. The default is the vendor's production host."),
    )
    timeout_seconds = forms.IntegerField(
        label=_("Timeout (seconds)"),
        min_value=1,
        max_value=120,
        error_messages={
            "required": REQUIRED_MESSAGE,
            **dict.fromkeys(("invalid", "min_value", "max_value"), TIMEOUT_MESSAGE),
        },
        help_text=_("How long to wait for one vendor call before giving up (1 to 120)."),
    )
    enabled = forms.BooleanField(
        label=_("Enabled"),
        required=False,
        help_text=_("A disabled vendor account is kept but never called."),
    )

    def __init__(self, *args: Any, instance: VendorConnection | None = None, **kwargs: Any) -> None:
        self.instance = instance
        # Where the stored secrets may be sent, and which are stored ("" and none on a new connection).
        self.secrets_origin, self.stored_secrets = "", frozenset()
        initial = {"base_url": vendor_profile(self.vendor).default_base_url, "timeout_seconds": 10, "enabled": True}
        if instance is not None:
            self.secrets_origin, self.stored_secrets = instance.secrets_origin, instance.stored_secrets()
            credentials: Mapping[str, Any] = instance.credentials or {}
            initial = {name: getattr(instance, name) for name in FORM_FIELDS}
            # Only non-secret credentials are ever put into the page.
            initial |= {
                CREDENTIAL_PREFIX + s.name: credentials.get(s.name, "") for s in self.credential_specs if not s.secret
            }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for name in self.stored_secrets:
            # Blank keeps what is stored, so the field cannot be required any more.
            self.fields[CREDENTIAL_PREFIX + name].required = False
        refuse_null_characters_in_our_words(self)

    def general_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FORM_FIELDS]

    def credential_rows(self) -> Iterator[dict[str, Any]]:
        for spec in self.credential_specs:
            stored, clear_name = spec.name in self.stored_secrets, CLEAR_PREFIX + spec.name
            yield {
                "field": self[CREDENTIAL_PREFIX + spec.name],
                "secret": spec.secret,
                "stored": stored,
                "clear": self[clear_name] if clear_name in self.fields and stored else None,
            }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if VendorConnection.objects.filter(name=name).exclude(pk=getattr(self.instance, "pk", None)).exists():
            raise forms.ValidationError(NAME_TAKEN_MESSAGE, code="unique")
        return name

    def clean_base_url(self) -> str:
        url = self.cleaned_data["base_url"]
        parts = urlsplit(url)
        # A base URL is shown on the list page; credentials in it would be shown too.
        if parts.username or parts.password:
            raise forms.ValidationError(
                _("Do not put a user name or password in the URL; use the credential fields."), code="userinfo"
            )
        if parts.query or parts.fragment:
            raise forms.ValidationError(_("The base URL cannot have a query string or a fragment."), code="query")
        problem = base_url_problem(url)
        if problem is not None:
            raise forms.ValidationError(problem.message, code=problem.code)
        return url.rstrip("/")

    def clean(self) -> dict[str, Any]:
        """A base URL whose scheme, host or port differs from where the secrets were saved for needs each stored
        secret typed again (or, if optional, removed): blank no longer means "keep"."""
        cleaned = super().clean()
        url = cleaned.get("base_url")
        if self.instance is None or not url or base_url_origin(url) == self.secrets_origin:
            return cleaned
        for spec in self.credential_specs:
            field_name = CREDENTIAL_PREFIX + spec.name
            typed_or_cleared = cleaned.get(field_name) or cleaned.get(CLEAR_PREFIX + spec.name)
            if spec.name in self.stored_secrets and not typed_or_cleared:
                message = _(
                    "The base URL now points to %(new)s. Type this secret again: the stored one is only ever sent "
                    "to %(old)s."
                )
                params = {"new": base_url_origin(url), "old": self.secrets_origin or "—"}
                self.add_error(field_name, forms.ValidationError(message, code="secret_for_new_address", params=params))
        return cleaned

    def connection_input(self) -> ConnectionInput:
        data = self.cleaned_data
        typed = {spec.name: data.get(CREDENTIAL_PREFIX + spec.name, "") for spec in self.credential_specs}
        # A blank non-secret means "none"; a blank secret means "keep" unless its clear box is ticked.
        cleared = {
            spec.name
            for spec in self.credential_specs
            if not typed[spec.name] and (not spec.secret or data.get(CLEAR_PREFIX + spec.name))
        }
        return ConnectionInput(
            **{name: data[name] for name in FORM_FIELDS},
            credentials={name: value for name, value in typed.items() if value},
            cleared_credentials=frozenset(cleared),
        )


@cache
def connection_form_class(vendor: str) -> type[ConnectionForm]:
    """The form for `vendor` (LookupError for an unknown vendor); built once per process."""
    specs = vendor_profile(vendor).credential_fields
    attrs: dict[str, Any] = {"vendor": vendor, "credential_specs": specs, "__module__": __name__}
    for spec in specs:
        widget_attrs = {"autocomplete": "new-password" if spec.secret else "off", "spellcheck": "false"}
        # A PasswordInput renders no value: the value typed is never sent back, not even with the form's errors.
        widget = (forms.PasswordInput if spec.secret else forms.TextInput)(attrs=widget_attrs)
        attrs[CREDENTIAL_PREFIX + spec.name] = forms.CharField(
            label=spec.label,
            required=spec.required,
            max_length=spec.max_length,
            error_messages=TEXT_MESSAGES,
            help_text=spec.help_text,
            widget=widget,
        )
        if spec.secret and not spec.required:
            # An optional secret cannot be emptied by leaving it blank (blank keeps it): it gets a box.
            attrs[CLEAR_PREFIX + spec.name] = forms.BooleanField(label=_("Remove the stored value"), required=False)
    class_name = f"{vendor.title().replace('_', '')}ConnectionForm"
    return type(class_name, (ConnectionForm,), attrs)


TOGGLE_MESSAGE = _("Choose whether to enable or disable the vendor account.")


class ToggleForm(forms.Form):
    """The enable/disable buttons post the state wanted, so a double click cannot flip it twice."""

    enabled = forms.TypedChoiceField(
        choices=[("1", _("Enable")), ("0", _("Disable"))],
        coerce=lambda value: value == "1",
        error_messages={"required": TOGGLE_MESSAGE, "invalid_choice": TOGGLE_MESSAGE},
    )
