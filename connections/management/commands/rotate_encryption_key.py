"""`manage.py rotate_encryption_key`: re-encrypt every connection's credentials with the newest key (put it first
in FIELD_ENCRYPTION_KEYS on every host, run this once, then remove the old keys)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from connections.fields import DecryptionFailed
from connections.management.commands.connection import command_origin
from connections.services import credentials_rotate_key


class Command(BaseCommand):
    # A plain string: argparse cannot format a lazy translation (Django's own commands do the same).
    help = "Re-encrypt every vendor connection's credentials with the first key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rewritten, current = credentials_rotate_key(user=None, via=command_origin("rotate_encryption_key"))
        except DecryptionFailed as error:
            # All rows are rewritten in one transaction: a row no key opens leaves every row as it was.
            raise CommandError(_("%(error)s Nothing was changed.") % {"error": error}) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Rewrote %(rewritten)s connection(s) with the newest key; %(current)s already used it.")
                % {"rewritten": rewritten, "current": current}
            )
        )
        if len(settings.FIELD_ENCRYPTION_KEYS) > 1:
            self.stdout.write(
                _("Once every host runs with the new key first, remove the older keys from FIELD_ENCRYPTION_KEYS.")
            )
