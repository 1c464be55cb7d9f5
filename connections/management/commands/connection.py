"""`manage.py connection add|list|show|test|disable|enable|delete`: vendor connections from the shell, through
the web page's form and services (same checks, encryption and audit entries). Secrets are never printed."""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from functools import partialmethod
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from connections import services
from connections.fields import DecryptionFailed
from connections.forms import CREDENTIAL_PREFIX, NAME_TAKEN_MESSAGE, ConnectionForm, connection_form_class
from connections.models import VendorConnection
from vendors.registry import vendor_kinds, vendor_profile

# Form field → the option an operator typed, so that an error names what to fix.
_OPTION_OF_FIELD = {"name": "--name", "base_url": "--base-url", "timeout_seconds": "--timeout", "enabled": "--disabled"}


class Command(BaseCommand):
    # A plain string: argparse cannot format a lazy translation (Django's own commands do the same).
    help = "Manage vendor connections: add, list, show, test, enable, disable, delete."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        add = actions.add_parser("add", help=_("Add a connection."))
        add.add_argument(
            "--vendor", required=True, help=_("One of: %(choices)s.") % {"choices": ", ".join(vendor_kinds())}
        )
        add.add_argument("--name", required=True, help=_("Unique display name (at most 100 characters)."))
        add.add_argument(
            "--base-url", help=_("http(s) address of the vendor API (default: the vendor's production host).")
        )
        # A string, not type=int: the form gives the same clear message as the web page.
        add.add_argument(
            "--timeout", default="10", help=_("Seconds to wait for one vendor call, 1 to 120 (default 10).")
        )
        add.add_argument("--disabled", action="store_true", help=_("Create it disabled."))
        add.add_argument(
            "--no-test",
            action="store_true",
            help=_("Save without testing it at the vendor (e.g. before the vendor has allowed our address)."),
        )
        add.add_argument(
            "--credential",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=_("One credential; repeat for each. Prefer --credentials-file for secrets (shell history)."),
        )
        add.add_argument(
            "--credentials-file",
            metavar="FILE",
            help=_("A JSON object of credentials; --credential values override its keys."),
        )

        actions.add_parser("list", help=_("List connections."))
        for name, text in [
            ("show", _("Show one connection (secrets only as set / not set).")),
            ("test", _("Sign in at the vendor and make one read; exits non-zero unless it passes.")),
            ("enable", _("Enable a connection.")),
            ("disable", _("Disable a connection (kept, never called).")),
            ("delete", _("Delete a connection and its credentials.")),
        ]:
            sub = actions.add_parser(name, help=text)
            sub.add_argument("connection", help=_("The connection's id or name."))
            if name == "delete":
                sub.add_argument("--yes", action="store_true", help=_("Do not ask for confirmation."))

    def handle(self, *args: Any, **options: Any) -> None:
        self.via = command_origin(f"connection {options['action']}")
        getattr(self, f"handle_{options['action']}")(options)

    def handle_add(self, options: Mapping[str, Any]) -> None:
        vendor = options["vendor"]
        try:
            form_class = connection_form_class(vendor)
        except LookupError:
            raise CommandError(
                _("Unknown vendor “%(vendor)s”; choose one of: %(choices)s.")
                % {"vendor": vendor, "choices": ", ".join(vendor_kinds())}
            ) from None
        base_url = options["base_url"]
        form = form_class(
            {
                "name": options["name"],
                "base_url": vendor_profile(vendor).default_base_url if base_url is None else base_url,
                "timeout_seconds": options["timeout"],
                "enabled": "" if options["disabled"] else "on",
                **{CREDENTIAL_PREFIX + key: value for key, value in _credentials(options, form_class).items()},
            }
        )
        if not form.is_valid():
            raise CommandError(_form_errors_line(form))
        try:
            connection = services.connection_create(
                vendor=vendor, data=form.connection_input(), user=None, via=self.via
            )
        except services.ConnectionNameTaken:
            raise CommandError(_("--name: %(message)s") % {"message": NAME_TAKEN_MESSAGE}) from None
        facts = {"id": connection.pk, "name": connection.name, "vendor": vendor}
        added = _("Added connection %(id)s “%(name)s” (%(vendor)s).") % facts
        if not connection.enabled:
            outcome = _("It is disabled, so it was not tested.")
        elif options["no_test"]:
            outcome = _("Test it with: manage.py connection test %(id)s") % {"id": connection.pk}
        elif services.connection_test(connection=connection, user=None, via=self.via):
            outcome = _("The vendor accepted it: %(message)s") % {"message": connection.last_test_message}
        else:
            self.stdout.write(added)
            raise CommandError(
                _(
                    "The vendor did not accept it. Support staff cannot see its data until "
                    "`manage.py connection test %(id)s` passes. Reason: %(message)s"
                )
                % {"message": connection.last_test_message, "id": connection.pk}
            )
        self.stdout.write(self.style.SUCCESS(f"{added} {outcome}"))

    def handle_list(self, options: Mapping[str, Any]) -> None:
        connections = VendorConnection.objects.defer("credentials")
        if not connections:
            self.stdout.write(_("No connections."))
            return
        rows = [(_("ID"), _("VENDOR"), _("NAME"), _("ENABLED"), _("LAST TEST"), _("BASE URL"))]
        rows += [(str(c.pk), c.vendor, c.name, _yes_no(c.enabled), _last_test(c), c.base_url) for c in connections]
        self.stdout.write(_aligned(rows))

    def handle_show(self, options: Mapping[str, Any]) -> None:
        connection = _find(options["connection"])
        credentials = _credentials_of(connection)
        lines = [
            (_("id"), str(connection.pk)),
            (_("name"), connection.name),
            (_("vendor"), f"{connection.vendor} ({connection.vendor_display})"),
            (_("base url"), connection.base_url),
            (_("timeout"), _("%(seconds)s s") % {"seconds": connection.timeout_seconds}),
            (_("enabled"), _yes_no(connection.enabled)),
            (_("last test"), _last_test(connection)),
        ]
        specs = connection.profile.credential_fields if connection.profile else ()
        for spec in specs:
            value = credentials.get(spec.name)
            # Secrets: only whether one is stored, never the value or its length.
            shown = (_("set") if spec.secret else str(value)) if value else _("not set")
            lines.append((_("credential %(key)s") % {"key": spec.name}, shown))
        for key in sorted(set(credentials) - {spec.name for spec in specs}):
            shown = _("set (not used by this vendor)") if credentials[key] else _("not set")
            lines.append((_("credential %(key)s") % {"key": key}, shown))
        self.stdout.write(_aligned(lines))

    def handle_test(self, options: Mapping[str, Any]) -> None:
        connection = _find(options["connection"])
        _credentials_of(connection)  # a connection no key opens fails here, in one line
        passed = services.connection_test(connection=connection, user=None, via=self.via)
        line = f"{connection.name}: {connection.last_test_message} ({connection.last_test_latency_ms} ms)"
        if not passed:
            raise CommandError(_("Failed: %(line)s") % {"line": line})
        self.stdout.write(self.style.SUCCESS(_("Passed: %(line)s") % {"line": line}))

    def _set_enabled(self, options: Mapping[str, Any], *, enabled: bool) -> None:
        connection = _find(options["connection"])
        changed = services.connection_set_enabled(connection=connection, enabled=enabled, user=None, via=self.via)
        # Whole sentences, not a state word pasted into one: word order differs between languages.
        if changed:
            message = _("“%(name)s” is now enabled.") if enabled else _("“%(name)s” is now disabled.")
            self.stdout.write(self.style.SUCCESS(message % {"name": connection.name}))
        else:
            message = _("“%(name)s” was already enabled.") if enabled else _("“%(name)s” was already disabled.")
            self.stdout.write(message % {"name": connection.name})

    handle_enable = partialmethod(_set_enabled, enabled=True)
    handle_disable = partialmethod(_set_enabled, enabled=False)

    def handle_delete(self, options: Mapping[str, Any]) -> None:
        connection = _find(options["connection"])
        if not options["yes"]:
            question = _("Delete connection %(id)s “%(name)s” and its credentials? This cannot be undone. [y/N] ")
            try:
                answer = input(question % {"id": connection.pk, "name": connection.name})
            except EOFError:
                raise CommandError(_("Not confirmed (no terminal); nothing deleted. Add --yes to delete.")) from None
            if answer.strip().lower() not in {"y", "yes"}:
                self.stdout.write(_("Nothing deleted."))
                return
        services.connection_delete(connection=connection, user=None, via=self.via)
        self.stdout.write(self.style.SUCCESS(_("Deleted connection “%(name)s”.") % {"name": connection.name}))


def command_origin(command: str) -> str:
    """What the audit log records as `via` for a change made from the shell: the command and the OS user."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        os_user = "unknown"
    return f"manage.py {command} (os user {os_user})"


def _find(identifier: str) -> VendorConnection:
    """By name first (a name may be all digits), then by id. Credentials are decrypted only when used."""
    connections = VendorConnection.objects.defer("credentials")
    connection = connections.filter(name=identifier).first()
    if connection is None and identifier.isdigit():
        connection = connections.filter(pk=int(identifier)).first()
    if connection is None:
        raise CommandError(_("No connection with id or name “%(identifier)s”.") % {"identifier": identifier})
    return connection


def _credentials_of(connection: VendorConnection) -> dict[str, Any]:
    try:
        return dict(connection.credentials or {})
    except DecryptionFailed:
        raise CommandError(
            _("The credentials of “%(name)s” cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS.")
            % {"name": connection.name}
        ) from None


def _last_test(connection: VendorConnection) -> str:
    if connection.last_tested_at is None:
        return _("never")
    outcome = _("passed") if connection.last_test_ok else _("failed")
    when = timezone.localtime(connection.last_tested_at)
    latency = f", {connection.last_test_latency_ms} ms" if connection.last_test_latency_ms is not None else ""
    return f"{outcome} {when:%Y-%m-%d %H:%M}{latency}"


def _aligned(rows: list[tuple[str, ...]]) -> str:
    """Each column but the last padded to its widest cell, two spaces apart."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return "\n".join("  ".join([*map(str.ljust, row, widths), row[-1]]) for row in rows)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _credentials(options: Mapping[str, Any], form_class: type[ConnectionForm]) -> dict[str, str]:
    """--credentials-file, then each --credential over it; only keys the vendor declares."""
    credentials = _read_credentials_file(options["credentials_file"]) if options["credentials_file"] else {}
    for position, pair in enumerate(options["credential"], start=1):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            # The argument itself is not repeated: it may be a secret typed without its key.
            raise CommandError(_("--credential number %(n)s is not KEY=VALUE.") % {"n": position})
        credentials[key.strip()] = value
    known = [spec.name for spec in form_class.credential_specs]
    unknown = sorted(set(credentials) - set(known))
    if unknown:
        raise CommandError(
            _("Unknown credential key(s) %(keys)s for %(vendor)s; expected: %(known)s.")
            % {"keys": ", ".join(unknown), "vendor": form_class.vendor, "known": ", ".join(known)}
        )
    return credentials


def _read_credentials_file(path_text: str) -> dict[str, str]:
    path = Path(path_text)
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(_("--credentials-file: %(path)s does not exist.") % {"path": path}) from None
    except json.JSONDecodeError as error:
        # Position only: the decoder's document excerpt could hold a secret.
        raise CommandError(
            _("--credentials-file: not valid JSON (%(reason)s at line %(line)s, column %(column)s).")
            % {"reason": error.msg, "line": error.lineno, "column": error.colno}
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(
            _("--credentials-file: %(path)s cannot be read (%(reason)s).")
            % {"path": path, "reason": type(error).__name__}
        ) from None
    if not isinstance(loaded, dict):
        raise CommandError(_("--credentials-file: expected a JSON object of credential names to values."))
    for key, value in loaded.items():
        # Numbers are accepted as written (a client id is often numeric); anything nested is a mistake.
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise CommandError(_("--credentials-file: the value of “%(key)s” must be a string.") % {"key": key})
    return {key: str(value) for key, value in loaded.items()}


def _form_errors_line(form: ConnectionForm) -> str:
    """All form errors on one line, each named by the option or credential key an operator typed."""
    parts = []
    for field_name, errors in form.errors.items():
        if field_name.startswith(CREDENTIAL_PREFIX):
            label = _("credential %(key)s") % {"key": field_name.removeprefix(CREDENTIAL_PREFIX)}
        else:
            label = _OPTION_OF_FIELD.get(field_name, field_name)
        parts.append(f"{label}: {' '.join(str(error) for error in errors)}")
    return "; ".join(parts)
