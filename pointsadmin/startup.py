"""Fail fast, in one line, when the environment is incomplete (no traceback for a missing variable)."""

from __future__ import annotations

import sys

from django.core.exceptions import ImproperlyConfigured


def exit_on_configuration_error() -> None:
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loading the settings module is the check
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error: {error}")
