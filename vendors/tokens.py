"""Access tokens cached per connection in Django's cache (one token for every worker and host), refreshed
shortly before they expire, fetched by one caller at a time.

Xinyue and Xiaoe kill the previous token five minutes after a new one is issued and rate limit their token
endpoints (VENDORS.md §1-3): fifty callers finding no token cause one fetch, under a cache.add lock; the others
poll. A failed fetch is remembered too (a minute for refusals and rate limits, seconds otherwise), so that
every worker gets the same error instead of hammering the endpoint. Cache keys hold a keyed hash of the
credentials, never a secret; edited credentials start from a fresh token.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from vendors import exceptions
from vendors.exceptions import VendorAuthError, VendorError, VendorRateLimited, VendorRejected, VendorTimeout
from vendors.parsing import as_mapping, as_optional_int, as_text, bad_response
from vendors.results import ConnectionConfig


def now() -> float:
    """Wall-clock time for token expiry, in unix seconds (one function, so that a test can move the clock)."""
    return time.time()


def fingerprint(config: ConnectionConfig) -> str:
    """A short hash of vendor, base URL and credentials, keyed with SECRET_KEY so that a cache dump cannot be used
    to test guesses of a secret."""
    material = {"vendor": config.vendor, "base_url": config.base_url, "credentials": dict(config.credentials)}
    text = json.dumps(material, sort_keys=True, ensure_ascii=False)
    return salted_hmac("vendors.fingerprint", text, algorithm="sha256").hexdigest()[:32]


@dataclass(frozen=True)
class AccessToken:
    value: str = ""
    expires_at: float = 0.0  # unix seconds

    def __repr__(self) -> str:  # a token is a credential: keep it out of reprs and tracebacks
        return f"AccessToken(expires_at={self.expires_at!r})"


@dataclass(frozen=True)
class _SharedToken:
    """A connection's cached token; `issued` tells two fetches of the same value apart."""

    value: str
    refresh_at: float  # unix seconds
    issued: str


def _scope(config: ConnectionConfig) -> str:
    return f"{config.vendor}:{config.id}:{fingerprint(config)}"


class TokenStore:
    """The cached token of one connection, as seen by one client (one request or export)."""

    KEY_PREFIX = "vendors:token"
    # Refresh this long before the vendor's expiry, so a call never goes out with a token about to expire.
    REFRESH_MARGIN_SECONDS = 300.0
    # ...but never more than this share of a (short) lifetime.
    REFRESH_MARGIN_SHARE = 0.2
    # A refusal of the credentials (or of the token endpoint's own rate limit) is remembered this long by every
    # worker: wrong or rotated credentials then cost one token call a minute, within Kingdee's ~2 (VENDORS.md §3).
    REFUSAL_MEMORY_SECONDS = 60
    # An outage or a timeout: long enough for the waiters, short enough to recover quickly.
    FAILURE_MEMORY_SECONDS = 5
    # See may_renew: at most one renewal on an unexplained refusal per connection in this time.
    RENEWAL_INTERVAL_SECONDS = 180
    POLL_SECONDS = 0.05

    def __init__(self, *, config: ConnectionConfig, fetch: Callable[[], AccessToken], fetch_seconds: float) -> None:
        # `fetch_seconds` bounds one fetch: the lock lives that long, and waiters wait that long.
        self.vendor = config.vendor
        scope = _scope(config)
        self.key = f"{self.KEY_PREFIX}:{scope}"
        self.lock_key = f"{self.KEY_PREFIX}-lock:{scope}"
        self.failure_key = _failure_key(config)
        self.renewal_key = f"{self.KEY_PREFIX}-renewed:{scope}"
        self._fetch = fetch
        self.lock_seconds = max(1, int(fetch_seconds) + 2)
        # What this store handed out (value → issued) and which of those the vendor refused.
        self._handed_out: dict[str, str] = {}
        self._refused: set[tuple[str, str]] = set()

    def _shared(self) -> _SharedToken | None:
        entry = cache.get(self.key)
        if not isinstance(entry, Mapping):
            return None
        value, refresh_at, issued = entry.get("value"), entry.get("refresh_at"), entry.get("issued", "")
        if not isinstance(value, str) or not value or not isinstance(refresh_at, int | float):
            return None
        return _SharedToken(value, float(refresh_at), str(issued))

    def _stored(self) -> str | None:
        """The cached token if it is still good; the remembered failure of the last fetch raised; else None."""
        shared = self._shared()
        if shared is not None and shared.refresh_at > now() and (shared.value, shared.issued) not in self._refused:
            self._handed_out[shared.value] = shared.issued
            return shared.value
        failure = cache.get(self.failure_key)
        if isinstance(failure, Mapping):
            raise _rebuild_error(failure, self.vendor)
        return None

    def get(self) -> str:
        """The current token, fetched if there is none, it is due for refresh, or the vendor refused it."""
        deadline = time.monotonic() + self.lock_seconds
        while (token := self._stored()) is None:
            owner = uuid.uuid4().hex
            if cache.add(self.lock_key, owner, timeout=self.lock_seconds):
                try:
                    # Another caller may have stored a token or a failure between our read and our lock.
                    return self._stored() or self._fetch_and_store()
                finally:
                    # Delete the lock only if it is still ours (it may have expired and been taken by another process).
                    if cache.get(self.lock_key) == owner:
                        cache.delete(self.lock_key)
            if time.monotonic() >= deadline:
                raise VendorTimeout(gettext("Timed out waiting for the vendor's access token."), vendor=self.vendor)
            time.sleep(self.POLL_SECONDS * random.uniform(0.5, 1.5))  # noqa: S311  # nosec B311 # jitter, not cryptography
        return token

    def _fetch_and_store(self) -> str:
        try:
            fetched = self._fetch()
        except VendorError as error:
            refused = isinstance(error, VendorAuthError | VendorRejected | VendorRateLimited)
            remembered = self.REFUSAL_MEMORY_SECONDS if refused else self.FAILURE_MEMORY_SECONDS
            # What the waiters need to raise the same error (its message is never secret: see exceptions.py).
            failure = {"class": type(error).__name__, "message": str(error.message), "status": error.status}
            failure |= {"code": error.code, "retry_at": now() + remembered}
            cache.set(self.failure_key, failure, timeout=remembered)
            raise
        fetched_at = now()
        margin = min(self.REFRESH_MARGIN_SECONDS, max(0.0, fetched.expires_at - fetched_at) * self.REFRESH_MARGIN_SHARE)
        shared = {"value": fetched.value, "refresh_at": fetched.expires_at - margin, "issued": uuid.uuid4().hex}
        cache.set(self.key, shared, timeout=max(1, int(shared["refresh_at"] - fetched_at)))
        cache.delete(self.failure_key)
        self._handed_out[fetched.value] = shared["issued"]
        return fetched.value

    def invalidate(self, stale: str) -> None:
        """The vendor refused `stale`: never hand it out again. The cache is left alone: the next get() replaces it
        under the lock, or uses what another caller put there (deleting that would kill a fresh token)."""
        self._refused.add((stale, self._handed_out.get(stale, "")))

    def may_renew(self, stale: str) -> bool:
        """Whether a refusal that may not be about the token (Xinyue, VENDORS.md §1) may lead to a new token: yes if
        another caller renewed it, or for the first refusal of `stale` in RENEWAL_INTERVAL_SECONDS (and those
        refused with it meanwhile); otherwise no, so that a bad request cannot make every page fetch a token."""
        shared = self._shared()
        if shared is None or shared.value != stale or shared.issued != self._handed_out.get(stale, shared.issued):
            return True
        renewing = cache.add(self.renewal_key, shared.issued, timeout=self.RENEWAL_INTERVAL_SECONDS)
        return renewing or cache.get(self.renewal_key) == shared.issued


def _failure_key(config: ConnectionConfig) -> str:
    return f"{TokenStore.KEY_PREFIX}-failed:{_scope(config)}"


def token_retry_after(config: ConnectionConfig) -> datetime | None:
    """When the connection will next ask for a token after a remembered failed fetch (None: none remembered)."""
    failure = cache.get(_failure_key(config))
    if not isinstance(failure, Mapping) or not isinstance(failure.get("retry_at"), int | float):
        return None
    return datetime.fromtimestamp(failure["retry_at"], tz=UTC)


_REBUILDABLE = {
    name: cls for name, cls in vars(exceptions).items() if isinstance(cls, type) and issubclass(cls, VendorError)
}


def _rebuild_error(failure: Mapping[str, Any], vendor: str) -> VendorError:
    cls = _REBUILDABLE.get(str(failure.get("class")), VendorError)
    message = str(failure.get("message") or "") or None
    return cls(message, vendor=vendor, status=failure.get("status"), code=failure.get("code"))


def access_token_from(
    data: Any, *, vendor: str, key: str = "access_token", expires_at: Callable[[Mapping[str, Any]], float] | None = None
) -> AccessToken:
    """The token at `key` of a reply's data, expiring at `expires_at(data)`; by default `expires_in` seconds from
    now (Xinyue, Xiaoe), a missing or silly lifetime being the documented 7,200 seconds (VENDORS.md §1, §2)."""
    data = as_mapping(data, "data", vendor=vendor)
    token = as_text(data.get(key), f"data.{key}", vendor=vendor)
    if not token:
        raise bad_response(vendor, f"data.{key}")
    if expires_at is not None:
        return AccessToken(value=token, expires_at=expires_at(data))
    lifetime = as_optional_int(data.get("expires_in"), "data.expires_in", vendor=vendor)
    return AccessToken(value=token, expires_at=now() + (lifetime if lifetime and lifetime > 0 else 7200))
