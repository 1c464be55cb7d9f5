"""Keeping secrets out of error texts, exception chains and (through pointsadmin.logging's filter) log lines."""

from __future__ import annotations

import contextlib
import re

# Values that look like credentials in key=value or "key": "value" form (tokens, secrets, signatures).
_SECRET_PATTERN = re.compile(
    r"(?i)((?:access_token|app[-_]token|app_secret|secret_key|client_secret|app_signature|signature|"
    r"authorization|password|refresh_token)[\"']?\s*[:=]\s*[\"']?)([^\"'&\s,}]+)"
)
_QUERY_STRING = re.compile(r"\?[^\s'\"()<>]*")


def redact(text: str) -> str:
    return _SECRET_PATTERN.sub(r"\1[redacted]", text)


def scrub_text(text: str, secrets: tuple[str, ...]) -> str:
    text = _QUERY_STRING.sub("?[query removed]", text)
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return redact(text)


def scrubbed(err: BaseException, secrets: tuple[str, ...] = ()) -> BaseException:
    """`err` with query strings and secrets removed from every message of its chain (requests and urllib3 quote
    the full URL, and tracebacks print the whole chain)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [err]
    while pending:
        link = pending.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        pending += [link.__cause__, link.__context__, *(a for a in link.args if isinstance(a, BaseException))]
        if isinstance(getattr(link, "reason", None), BaseException):
            pending.append(link.reason)
        link.args = tuple(scrub_text(arg, secrets) if isinstance(arg, str) else arg for arg in link.args)
        for name in ("url", "message", "_message"):
            value = getattr(link, name, None)
            if isinstance(value, str):
                with contextlib.suppress(AttributeError):  # a read-only property: nothing to scrub
                    setattr(link, name, scrub_text(value, secrets))
    return err
