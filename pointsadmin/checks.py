"""System checks of ours, shown by `manage.py check --deploy`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


def cache_is_per_process() -> bool:
    """Whether each process keeps its own vendor tokens, locks and rate limits: then one process only."""
    return settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG or not cache_is_per_process():
        return []
    return [
        checks.Warning(
            "The cache is each process's own memory (CACHE_URL is not set): with more than one process, every "
            "worker fetches its own vendor tokens, which kill each other's, and keeps its own rate limits, which "
            "together exceed the vendors'.",
            hint="Set CACHE_URL to a Redis shared by every process and host (redis://host:6379/0).",
            id="pointsadmin.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_client_address_header(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    headers = [name for name in settings.AXES_IPWARE_META_PRECEDENCE_ORDER if name != "REMOTE_ADDR"]
    if not headers or settings.AXES_IPWARE_PROXY_COUNT is not None:
        return []
    return [
        checks.Warning(
            f"The login lockout reads the client's address from {', '.join(headers)} without a proxy count: "
            "a client can forge that header and escape the lockout.",
            hint="Set AXES_IPWARE_PROXY_COUNT to the number of your proxies' addresses after the client's in the "
            "header (README, Deploying).",
            id="pointsadmin.W002",
        )
    ]
