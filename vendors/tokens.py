"""Access tokens cached per connection in Django's cache (Redis in production: one token for every worker
and host), refreshed shortly before they expire, fetched by one caller at a time.

Why one token for the whole deployment: Xinyue and Xiaoe kill the previous token five minutes after a new
one is issued, and their token endpoints are rate limited (Xiaoe 100 calls per 10 minutes, Kingdee
reportedly ~2 a minute; VENDORS.md §1-3). Fifty requests finding no token must cause one fetch, not fifty:
the first takes a lock with cache.add (atomic on Redis and locmem), the others poll the cache for a bounded
time. A failed fetch is remembered for a few seconds so that the waiters (and the next requests) get the
same error instead of each trying again.

Cache keys hold the connection id and a keyed hash of the credentials (see fingerprint()), never a secret;
editing a connection's credentials therefore starts from a fresh token.
"""

from __future__ import annotations

import functools
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from vendors import exceptions
from vendors.exceptions import VendorError, VendorTimeout
from vendors.results import ConnectionConfig


def now() -> float:
    """Wall-clock time for token expiry, in unix seconds (one function, so that a test can move the clock)."""
    return time.time()


def monotonic() -> float:
    """Clock for how long this process trusts its copy of a token (a function, so that a test can move it)."""
    return time.monotonic()


def fingerprint(config: ConnectionConfig) -> str:
    """A short keyed hash of what a token and a session depend on: vendor, base URL and credentials.

    Keyed with SECRET_KEY (salted_hmac) so that a cache dump cannot be used to test guesses of a secret.
    """
    return _fingerprint(config.vendor, config.base_url, tuple(sorted(config.credentials.items())), settings.SECRET_KEY)


# Worked out once per connection and process (a vendor call needs it twice): the process holds these credentials
# anyway; SECRET_KEY is part of the key so that a changed key (tests) is never answered from before.
@functools.lru_cache(maxsize=256)
def _fingerprint(vendor: str, base_url: str, credentials: tuple[tuple[str, str], ...], secret_key: str) -> str:
    material = json.dumps(
        {"vendor": vendor, "base_url": base_url, "credentials": dict(credentials)}, sort_keys=True, ensure_ascii=False
    )
    return salted_hmac("vendors.fingerprint", material, secret=secret_key, algorithm="sha256").hexdigest()[:32]


@dataclass(frozen=True)
class _LocalCopy:
    value: str
    refresh_at: float  # unix seconds, as in the shared entry
    trusted_until: float  # monotonic()


# This process's copy of each shared token (by cache key), so that a page does not ask Redis for it every time.
# A copy is trusted for LOCAL_COPY_SECONDS at most, and never past the token's refresh time.
_local_copies: dict[str, _LocalCopy] = {}
_local_copies_lock = threading.Lock()
LOCAL_COPY_SECONDS = 30.0


def forget_local_copies() -> None:
    """Drop this process's copies of every token (tests: each starts as a new worker)."""
    with _local_copies_lock:
        _local_copies.clear()


@dataclass(frozen=True)
class AccessToken:
    value: str = ""
    expires_at: float = 0.0  # unix seconds

    def __repr__(self) -> str:  # a token is a credential: keep it out of reprs and tracebacks
        return f"AccessToken(expires_at={self.expires_at!r})"

    @classmethod
    def expiring_in(cls, value: str, seconds: float) -> AccessToken:
        return cls(value=value, expires_at=now() + seconds)


class TokenStore:
    """The cached token of one connection. `fetch` asks the vendor for a new one (with no retry on auth)."""

    KEY_PREFIX = "vendors:token"
    # Refresh this long before the vendor's expiry, so a call never goes out with a token about to expire.
    REFRESH_MARGIN_SECONDS = 300.0
    # ...but never more than this share of a (short) lifetime.
    REFRESH_MARGIN_SHARE = 0.2
    # How long a failed fetch is remembered: long enough for the waiters, short enough to recover quickly.
    FAILURE_TTL_SECONDS = 5
    POLL_SECONDS = 0.05

    def __init__(
        self,
        *,
        config: ConnectionConfig,
        fetch: Callable[[], AccessToken],
        fetch_seconds: float,
    ) -> None:
        """`fetch_seconds` bounds one fetch (timeouts and retries): the lock lives that long, and waiters
        wait that long before giving up."""
        self.vendor = config.vendor
        scope = f"{config.vendor}:{config.id}:{fingerprint(config)}"
        self.key = f"{self.KEY_PREFIX}:{scope}"
        self.lock_key = f"{self.KEY_PREFIX}-lock:{scope}"
        self.failure_key = f"{self.KEY_PREFIX}-failed:{scope}"
        self._fetch = fetch
        self.lock_seconds = max(1, int(fetch_seconds) + 2)

    # --- reading -----------------------------------------------------------------------------------
    def _cached(self) -> str | None:
        """The shared token, from this process's copy while that is trusted, else from the cache.

        A copy cannot outlive a refused token for long: the worker whose call was refused drops its copy
        (invalidate), and any other worker still holding that token gets a refusal of its own, drops its copy
        and finds the replacement in the cache, so the vendor still sees one fetch. The bound of
        LOCAL_COPY_SECONDS is well inside the five minutes Xinyue and Xiaoe keep an old token alive after
        issuing a new one.
        """
        local = _local_copies.get(self.key)
        if local is not None and local.trusted_until > monotonic() and local.refresh_at > now():
            return local.value
        entry = cache.get(self.key)
        if not isinstance(entry, Mapping):
            return None
        value, refresh_at = entry.get("value"), entry.get("refresh_at")
        if not isinstance(value, str) or not isinstance(refresh_at, int | float) or refresh_at <= now():
            return None
        self._keep_local_copy(value, float(refresh_at))
        return value

    def _keep_local_copy(self, value: str, refresh_at: float) -> None:
        copy = _LocalCopy(value, refresh_at, monotonic() + LOCAL_COPY_SECONDS)
        with _local_copies_lock:
            _local_copies[self.key] = copy

    def _forget_local_copy(self, stale: str) -> None:
        with _local_copies_lock:
            local = _local_copies.get(self.key)
            if local is not None and local.value == stale:
                del _local_copies[self.key]

    def get(self) -> str:
        """The current token, fetched if there is none or it is due for refresh."""
        deadline = time.monotonic() + self.lock_seconds
        while True:
            token = self._cached()
            if token is not None:
                return token
            failure = cache.get(self.failure_key)
            if isinstance(failure, Mapping):
                raise _rebuild_error(failure, self.vendor)
            owner = uuid.uuid4().hex
            if cache.add(self.lock_key, owner, timeout=self.lock_seconds):
                try:
                    return self._fetch_and_store()
                finally:
                    self._release(owner)
            if time.monotonic() >= deadline:
                raise VendorTimeout(gettext("Timed out waiting for the vendor's access token."), vendor=self.vendor)
            time.sleep(self.POLL_SECONDS * random.uniform(0.5, 1.5))  # noqa: S311  # nosec B311 # jitter, not cryptography

    def _fetch_and_store(self) -> str:
        # Another caller may have stored a token, or a failure, between our reads and our lock.
        token = self._cached()
        if token is not None:
            return token
        failure = cache.get(self.failure_key)
        if isinstance(failure, Mapping):
            raise _rebuild_error(failure, self.vendor)
        try:
            fetched = self._fetch()
        except VendorError as error:
            cache.set(self.failure_key, _describe_error(error), timeout=self.FAILURE_TTL_SECONDS)
            raise
        fetched_at = now()
        lifetime = max(0.0, fetched.expires_at - fetched_at)
        margin = min(self.REFRESH_MARGIN_SECONDS, lifetime * self.REFRESH_MARGIN_SHARE)
        refresh_at = fetched.expires_at - margin
        cache.set(
            self.key,
            {"value": fetched.value, "refresh_at": refresh_at},
            timeout=max(1, int(refresh_at - fetched_at)),
        )
        cache.delete(self.failure_key)
        self._keep_local_copy(fetched.value, refresh_at)
        return fetched.value

    def _release(self, owner: str) -> None:
        # Delete the lock only if it is still ours (it may have expired and been taken by another process).
        if cache.get(self.lock_key) == owner:
            cache.delete(self.lock_key)

    # --- invalidating ------------------------------------------------------------------------------
    def invalidate(self, stale: str) -> None:
        """Forget `stale` after the vendor refused it, unless another caller already replaced it: deleting
        a fresh token would only cause one more fetch (and, at Xinyue and Xiaoe, kill the fresh one)."""
        self._forget_local_copy(stale)
        entry = cache.get(self.key)
        if isinstance(entry, Mapping) and entry.get("value") == stale:
            cache.delete(self.key)


_REBUILDABLE = {
    name: cls for name, cls in vars(exceptions).items() if isinstance(cls, type) and issubclass(cls, VendorError)
}


def _describe_error(error: VendorError) -> dict[str, Any]:
    """What the waiters need to raise the same error: class, message (never secret: see exceptions.py)."""
    return {
        "class": type(error).__name__,
        "message": str(error.message),
        "status": error.status,
        "code": error.code,
    }


def _rebuild_error(failure: Mapping[str, Any], vendor: str) -> VendorError:
    cls = _REBUILDABLE.get(str(failure.get("class")), VendorError)
    return cls(
        str(failure.get("message") or "") or None,
        vendor=vendor,
        status=failure.get("status"),
        code=failure.get("code"),
    )


def access_token_from(data: Any, *, vendor: str, default_lifetime: int = 7200) -> AccessToken:
    """An `{"access_token", "expires_in"}` object (Xinyue, Xiaoe). A missing or silly lifetime gets the
    documented 7,200 seconds (VENDORS.md §1, §2)."""
    from vendors.parsing import as_mapping, as_optional_int, as_text, bad_response

    data = as_mapping(data, "data", vendor=vendor)
    token = as_text(data.get("access_token"), "data.access_token", vendor=vendor)
    if not token:
        raise bad_response(vendor, "data.access_token")
    lifetime = as_optional_int(data.get("expires_in"), "data.expires_in", vendor=vendor)
    if lifetime is None or lifetime <= 0:
        lifetime = default_lifetime
    return AccessToken.expiring_in(token, lifetime)
