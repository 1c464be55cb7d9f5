"""HTTP plumbing shared by the vendor clients: sessions, timeouts, bounded retries, rate limits, tokens, and
every failure mapped to a VendorError (connection error/5xx → VendorUnavailable, timeout → VendorTimeout,
401/403 → VendorAuthError or VendorTokenRejected, 429 → VendorRateLimited, unreadable → VendorBadResponse)."""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from functools import cached_property, partial
from typing import Any, ClassVar, TypeVar

import requests
from django.dispatch import Signal
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from urllib3.exceptions import InvalidHeader
from urllib3.util import Retry

from vendors.base import VendorClient
from vendors.exceptions import (
    VendorAuthError,
    VendorBadResponse,
    VendorError,
    VendorQueryError,
    VendorRateLimited,
    VendorRejected,
    VendorTimeout,
    VendorTokenRejected,
    VendorUnavailable,
)
from vendors.parsing import as_int, bad_response
from vendors.ratelimit import CacheRateLimiter, RateLimit
from vendors.redaction import scrub_text, scrubbed
from vendors.results import ConnectionConfig, HistoryQuery, ResultPage
from vendors.tokens import AccessToken, TokenStore, fingerprint

logger = logging.getLogger(__name__)

T = TypeVar("T")
JsonObject = dict[str, Any]
Headers = Mapping[str, str]

# Sent after every HTTP attempt, with `vendor`, `endpoint` (the path, never its query), `outcome` and `duration_ms`;
# nothing secret. The request log (pointsadmin.logging) lists them; the signal keeps vendors/ free of its imports.
vendor_call_finished = Signal()

# --- sessions -----------------------------------------------------------------------------------------
_sessions = threading.local()


def session_for(config: ConnectionConfig) -> requests.Session:
    """This thread's keep-alive session for `config` (a Session is not thread-safe); an edited connection gets a
    fresh one."""
    pool: dict[int, tuple[str, requests.Session]] = _sessions.__dict__.setdefault("pool", {})
    key = fingerprint(config)
    entry = pool.get(config.id)
    if entry is not None and entry[0] == key:
        return entry[1]
    if entry is not None:
        entry[1].close()
    session = requests.Session()
    session.headers["User-Agent"] = "PointsAdmin/1.0 (+python-requests)"
    # Proxy and CA settings from the environment, as requests reads them (NO_PROXY honoured), fixed for the
    # session: every call of it goes to the same vendor host, so the proxy of its base URL is that of every call.
    session.proxies = requests.utils.get_environ_proxies(config.base_url)
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.trust_env = False
    pool[config.id] = (key, session)
    return session


# --- retries ------------------------------------------------------------------------------------------
# Every call is a read (POSTs too), so a connection error, a 5xx or a 429 is tried again; a timeout is not: one
# already cost `config.timeout` seconds of a waiting support agent.
READ_RETRIES = 2
# Token endpoints: one retry, never on a 429: their windows are minutes long (Xiaoe 100 calls per 10 minutes,
# Kingdee ~2 a minute; VENDORS.md §2, §3), far beyond a short pause.
TOKEN_RETRIES = 1
BACKOFF_SECONDS = 0.2  # 0.2 s, then 0.4 s, each plus up to 50% jitter
# A Retry-After longer than this is not waited for: the agent gets "rate limited" at once instead.
RETRY_AFTER_CAP_SECONDS = 2.0


def backoff(attempt: int) -> float:
    base = BACKOFF_SECONDS * (2**attempt)
    return base + random.uniform(0, base / 2)  # noqa: S311  # nosec B311 # jitter, not cryptography


def pause(seconds: float) -> None:
    """Wait between attempts (a module function, so that tests can record the pauses instead)."""
    time.sleep(seconds)


# --- the client base class ----------------------------------------------------------------------------
class HttpVendorClient(VendorClient):
    """A VendorClient speaking JSON over HTTP, whose replies are {"code": 0, "msg": "…", "data": …} under each
    vendor's own names (VENDORS.md §1-3). A code other than 0 is an error whose message is shown."""

    code_key: ClassVar[str] = "code"
    message_key: ClassVar[str] = "msg"
    # Whether a reply without the code but with data is a success (Xinyue's doc marks even `ret` optional).
    code_optional: ClassVar[bool] = False
    # A refused token's code; where none is documented, an error on a call made with a token whose message matches
    # token_error_text is taken as one. Either gets a new token and one retry.
    token_error_code: ClassVar[int | None] = None
    token_error_text: ClassVar[re.Pattern[str] | None] = None
    # A code meaning the vendor's own failure, not our request's.
    unavailable_code: ClassVar[int | None] = None

    # At most this many calls per period to one vendor app, across all workers (None: no limit known).
    rate_limit: ClassVar[RateLimit | None] = None
    # Statuses with a vendor-specific meaning, checked first and never retried (e.g. Kingdee's 519):
    # status → (error class, message shown).
    status_errors: ClassVar[Mapping[int, tuple[type[VendorError], str | Promise]]] = {}
    # Whether any refusal of a call with a token may mean a dead token: it then gets a new token and one retry, at
    # most once per connection per TokenStore.RENEWAL_INTERVAL_SECONDS (Xinyue, VENDORS.md §1).
    any_refusal_may_be_dead_token: ClassVar[bool] = False

    def _unwrap(self, payload: JsonObject, token: str = "") -> Any:  # nosec B107 # "" = no token yet
        """The `data` of a vendor reply, or the VendorError its error code means."""
        if self.code_optional and self.code_key not in payload and "data" in payload:
            return payload["data"]
        code = as_int(payload.get(self.code_key), self.code_key, vendor=self.vendor)
        if code == 0:
            return payload.get("data")
        message = self.vendor_message(payload.get(self.message_key), token)
        if code == self.unavailable_code:
            raise VendorUnavailable(message, vendor=self.vendor, code=code)
        text_refused = self.token_error_text is not None and self.token_error_text.search(message)
        refused = token and (code == self.token_error_code or text_refused)
        raise (VendorTokenRejected if refused else VendorRejected)(message, vendor=self.vendor, code=code)

    def fetch_token(self) -> AccessToken:
        """Ask the vendor for a new access token (only clients whose calls need one)."""
        raise NotImplementedError

    def rate_limit_scope(self) -> str:
        """What the vendor counts calls by; the connection unless the vendor counts per app."""
        return f"{self.vendor}:{self.config.id}"

    @property
    def session(self) -> requests.Session:
        return session_for(self.config)

    def credential(self, name: str) -> str:
        """A credential of the connection, stripped; a missing required one is an auth error, not a KeyError."""
        value = str(self.config.credentials.get(name) or "").strip()
        if not value and any(spec.name == name and spec.required for spec in self.profile.credential_fields):
            message = gettext("This connection has no %(field)s. An admin should complete it.") % {"field": name}
            raise VendorAuthError(message, vendor=self.vendor)
        return value

    def secret_values(self) -> tuple[str, ...]:
        names = {spec.name for spec in self.profile.credential_fields if spec.secret}
        return tuple(str(value) for key, value in self.config.credentials.items() if key in names and value)

    def vendor_message(self, value: Any, *also_hide: str) -> str:
        """A vendor's error text fit to show: a string, at most 200 characters, with no secret or token."""
        text = value if isinstance(value, str) else ""
        text = scrub_text(text, self.secret_values() + tuple(s for s in also_hide if s))
        return text.strip()[:200] or gettext("no message")

    @cached_property
    def tokens(self) -> TokenStore:
        # One fetch at worst: every attempt's timeout plus the pauses between them.
        attempts = TOKEN_RETRIES + 1
        fetch_seconds = self.config.timeout * attempts + BACKOFF_SECONDS * 2**attempts
        return TokenStore(config=self.config, fetch=self.fetch_token, fetch_seconds=fetch_seconds)

    def with_token(self, call: Callable[[str], T]) -> T:
        """Run `call(token)`; if the vendor refuses the token, forget it, fetch a new one and run it once more."""
        token = self.tokens.get()
        try:
            return call(token)
        except VendorTokenRejected:
            logger.info("%s connection %s: token refused, fetching a new one", self.vendor, self.config.id)
        except VendorRejected as error:
            if not (self.any_refusal_may_be_dead_token and self.tokens.may_renew(token)):
                raise
            logger.info("%s connection %s: code %s, retrying with a new token", self.vendor, self.config.id, error.code)
        self.tokens.invalidate(token)
        return call(self.tokens.get())

    @cached_property
    def limiter(self) -> CacheRateLimiter | None:
        if self.rate_limit is None:
            return None
        return CacheRateLimiter(scope=self.rate_limit_scope(), limit=self.rate_limit, vendor=self.vendor)

    def send_token_request(self, method: str, path: str, **request: Any) -> Any:
        """Call a token endpoint, where any refusal is one of our credentials."""

        def unwrap(payload: JsonObject) -> Any:
            try:
                return self._unwrap(payload)
            except VendorRejected as error:
                message = gettext("The vendor refused our credentials: %(message)s") % {"message": error.message}
                raise VendorAuthError(message, vendor=self.vendor, code=error.code) from error

        return self.send(method, path, unwrap=unwrap, token_request=True, rate_limited=False, **request)

    def send(
        self,
        method: str,
        path: str,
        *,
        unwrap: Callable[[JsonObject], T],
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        headers: Headers | Callable[[], Headers] | None = None,
        token_request: bool = False,
        rate_limited: bool = True,
        hide: tuple[str, ...] = (),
    ) -> T:
        """Call `path` on the base URL and return `unwrap(reply)` (its errors are never retried). `headers` may be a
        callable, fresh on each attempt; a `token_request` carries credentials, not a token; `hide`: values to scrub."""
        secrets = self.secret_values() + tuple(h for h in hide if h)
        retries = TOKEN_RETRIES if token_request else READ_RETRIES
        attempt = 0
        while True:
            if rate_limited and self.limiter is not None:
                self.limiter.acquire()  # every attempt counts: the vendor counts retries too
            outcome, started, wait = "error", time.perf_counter(), None
            try:
                try:
                    response = self.session.request(
                        method,
                        self.config.base_url + path,
                        params=params,
                        json=json,
                        headers=headers() if callable(headers) else headers,
                        timeout=self.config.timeout,
                        # Never follow a redirect: requests would resend custom auth headers (app-token, the
                        # signature) to wherever it points, and a redirect here means a wrong base URL anyway.
                        allow_redirects=False,
                    )
                except requests.Timeout as err:  # before ConnectionError: ConnectTimeout is both
                    outcome = "timeout"
                    raise VendorTimeout(vendor=self.vendor) from scrubbed(err, secrets)
                except requests.ConnectionError as err:
                    outcome = "connection_error"
                    if attempt >= retries:
                        raise VendorUnavailable(vendor=self.vendor) from scrubbed(err, secrets)
                    wait = backoff(attempt)
                except requests.RequestException as err:
                    outcome = "request_error"
                    raise VendorUnavailable(vendor=self.vendor) from scrubbed(err, secrets)
                else:
                    outcome = "ok" if 200 <= response.status_code < 300 else f"http_{response.status_code}"
                    wait = self._retry_wait(response, unwrap, attempt=attempt, token_request=token_request)
                    if wait is None:
                        payload = self._decode(response)
                        try:
                            return unwrap(payload)
                        except VendorError as error:
                            outcome = f"vendor_error:{error.code}" if error.code is not None else type(error).__name__
                            raise
            finally:
                vendor_call_finished.send(
                    sender=type(self),
                    vendor=self.vendor,
                    endpoint=path,
                    outcome=outcome,
                    duration_ms=(time.perf_counter() - started) * 1000,
                )
            pause(wait)
            attempt += 1

    def _retry_wait(
        self, response: requests.Response, unwrap: Callable[[JsonObject], Any], *, attempt: int, token_request: bool
    ) -> float | None:
        """None for a reply to read; else the seconds to wait before another try, or the VendorError the status
        means."""
        status = response.status_code
        if status in self.status_errors:
            error_class, message = self.status_errors[status]
            raise error_class(str(message), vendor=self.vendor, status=status)
        if 200 <= status < 300:
            return None
        if status in (401, 403):
            raise (VendorAuthError if token_request else VendorTokenRejected)(vendor=self.vendor, status=status)
        if status == 429 or status >= 500:
            try:  # Retry-After: a number of seconds or an HTTP date; absent or unreadable, None
                retry_after: float | None = float(Retry().parse_retry_after(response.headers.get("Retry-After", "")))
            except InvalidHeader:
                retry_after = None
            waitable = retry_after is None or retry_after <= RETRY_AFTER_CAP_SECONDS
            retries = TOKEN_RETRIES if token_request else READ_RETRIES
            if attempt < retries and waitable and not (status == 429 and token_request):
                return backoff(attempt) if retry_after is None else retry_after
            raise (VendorRateLimited if status == 429 else VendorUnavailable)(vendor=self.vendor, status=status)
        if 300 <= status < 400:
            raise bad_response(self.vendor, gettext("a redirect, HTTP %(status)s") % {"status": status})
        # Any other 4xx: the vendor's own error code if the body has one (unwrap raises it), else the status.
        try:
            unwrap(self._decode(response))
        except VendorBadResponse:
            pass  # not JSON, or not the vendor's error envelope: report the status below
        except VendorError as error:
            error.status = status
            raise
        raise VendorRejected(gettext("HTTP %(status)s") % {"status": status}, vendor=self.vendor, status=status)

    def _decode(self, response: requests.Response) -> JsonObject:
        try:
            # Decimal for JSON fractions: points are never floats.
            payload = response.json(parse_float=Decimal)
        except ValueError as err:  # requests.JSONDecodeError: an HTML error page, an empty body…
            raise bad_response(self.vendor, gettext("not JSON")) from err
        if not isinstance(payload, dict):
            raise bad_response(self.vendor, gettext("not a JSON object"))
        return payload

    def check_paging(self, page: int, page_size: int) -> None:
        if page < 1 or not 1 <= page_size <= self.profile.max_page_size:
            message = gettext("Pages start at 1 and hold 1 to %(max)s rows.") % {"max": self.profile.max_page_size}
            raise VendorQueryError(message, vendor=self.vendor)

    def check_history_query(self, query: HistoryQuery) -> None:
        """Refuse what this vendor cannot do on its side (the forms only offer what it can)."""
        self.check_paging(query.page, query.page_size)
        profile = self.profile
        if query.direction is not None and query.direction not in profile.history_directions:
            raise VendorQueryError(gettext("This vendor cannot filter by direction."), vendor=self.vendor)
        if query.type_code and not profile.history_type_filter:
            raise VendorQueryError(gettext("This vendor cannot filter by type."), vendor=self.vendor)
        if any(moment is not None and moment.tzinfo is None for moment in (query.start, query.end)):
            raise VendorQueryError(gettext("Dates must carry a time zone."), vendor=self.vendor)
        if query.start is not None:
            end = query.end or timezone.now()  # no end: up to now
            if query.start > end:
                raise VendorQueryError(gettext("The start date is after the end date."), vendor=self.vendor)
            if profile.max_history_days is not None and end - query.start > timedelta(days=profile.max_history_days):
                message = gettext("This vendor can search at most %(days)s days at a time.")
                raise VendorQueryError(message % {"days": profile.max_history_days}, vendor=self.vendor)


class CodeMessageClient(HttpVendorClient):
    """A vendor whose data calls are POSTs carrying the access token (Xinyue, Xiaoe; VENDORS.md §1, §2)."""

    def authorised(self, body: Mapping[str, Any], token: str) -> tuple[JsonObject, Headers]:
        """The JSON body and headers of a call carrying `token`: each vendor puts it in its own place."""
        raise NotImplementedError

    def _post(self, path: str, body: Mapping[str, Any], *, rate_limited: bool = True) -> Any:
        """POST `body` with the access token; the reply's data (a refused token: a new one, and one retry)."""

        def call(token: str) -> Any:
            json, headers = self.authorised(body, token)
            unwrap = partial(self._unwrap, token=token)
            return self.send(
                "POST", path, json=json, headers=headers, unwrap=unwrap, rate_limited=rate_limited, hide=(token,)
            )

        return self.with_token(call)


def result_page(items: list[T], *, page: int, page_size: int, reported_total: int | None) -> ResultPage[T]:
    """A ResultPage whose total is checked against the rows: an impossible total is corrected and marked inexact."""
    seen_through = (page - 1) * page_size + len(items)
    if reported_total is None:
        # No total: a short page is the last one, and then we know the total after all.
        last = len(items) < page_size and bool(items or page == 1)
        return ResultPage(tuple(items), page, page_size, seen_through if last else None, total_exact=last)
    exact = len(items) == max(0, min(page_size, reported_total - (page - 1) * page_size))
    total = reported_total if exact else max(reported_total, seen_through)
    return ResultPage(tuple(items), page, page_size, total, total_exact=exact)
