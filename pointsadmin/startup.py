"""Process start-up: fail fast on an incomplete environment, and warm a web process before it serves."""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template import engines
from django.urls import get_resolver
from django.utils import translation
from django.utils.module_loading import import_string


def exit_on_configuration_error() -> None:
    try:
        settings.INSTALLED_APPS  # noqa: B018 - loading the settings module is the check
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error: {error}")


def warm_up() -> None:
    """Import the views and drivers, compile the templates and load the catalogues in gunicorn's master before the
    fork (`preload_app`). No connection is opened: one made before the fork would be shared by every worker."""
    get_resolver().url_patterns  # noqa: B018 - imports the URLconf, and with it every view module
    import_module(f"{settings.DATABASES['default']['ENGINE']}.base")
    for cache in settings.CACHES.values():
        import_string(cache["BACKEND"])
    for engine in engines.all():
        for directory in getattr(engine, "dirs", []):
            for path in sorted(Path(directory).rglob("*.html")):
                engine.get_template(path.relative_to(directory).as_posix())
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Points Admin")
