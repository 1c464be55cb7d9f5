"""Prepares the demo: one user per role and one enabled connection per sandbox vendor account."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from connections.models import VendorConnection
from pointsadmin import roles
from sandbox.demo import DEMO_CONNECTIONS

# Demo log-ins, printed by the command and listed in the README; `--password` overrides them.
DEMO_USERS = [("support", roles.SUPPORT), ("manager", roles.MANAGER), ("admin", roles.ADMIN)]


class Command(BaseCommand):
    help = "Create demo users (support, manager, admin) and connections to the vendor sandbox."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--sandbox-url", default=settings.SANDBOX_URL, help="Where the sandbox listens.")
        parser.add_argument("--password", default="demo-password", help="Password for the demo users.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_setup creates well-known passwords: it runs only with DEBUG=true.")
        sandbox_url = options["sandbox_url"].rstrip("/")
        with transaction.atomic():
            for username, role in DEMO_USERS:
                user, _ = User.objects.get_or_create(username=username)
                user.set_password(options["password"])
                user.is_staff = role == roles.ADMIN
                user.save()
                user.groups.set([Group.objects.get(name=role)])
            for demo in DEMO_CONNECTIONS:
                VendorConnection.objects.update_or_create(
                    name=demo["name"],
                    defaults={
                        "vendor": demo["vendor"],
                        "base_url": sandbox_url,
                        "credentials": dict(demo["credentials"]),
                        "enabled": True,
                    },
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: users {', '.join(name for name, _ in DEMO_USERS)} (password: {options['password']}); "
                f"{len(DEMO_CONNECTIONS)} connections to the sandbox at {sandbox_url}."
            )
        )
