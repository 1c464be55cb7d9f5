"""Static files storage for production: whitenoise's compressed, hashed files, with each URL worked out once."""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """`{% static %}` URLs looked up once per process.

    A page draws four static URLs, and the manifest storage works each one out afresh (clean the name, look up
    its hash, quote it, join it to STATIC_URL): about 2 % of a member page's CPU under load. The manifest is
    read when the process starts and does not change while it runs, so the answer for a name does not either.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = self._urls[name] = super().url(name)  # a missing file raises, and nothing is kept
        return url
