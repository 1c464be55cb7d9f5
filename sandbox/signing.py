"""Kingdee gateway signatures, written from VENDORS.md §3 independently of the client's code, so that
a mistake in one is caught by the other (they must agree on the vendor's test vector)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

_KEPT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def form_encode(text: str) -> str:
    """Form URL-encoding byte by byte: A-Za-z0-9-_.~ kept, space → '+', everything else %XX (upper case)."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in _KEPT:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def canonical_string(method: str, path: str, query_pairs: Iterable[tuple[str, str]], nonce: str, timestamp: str) -> str:
    pairs = sorted(f"{form_encode(key)}={form_encode(form_encode(value))}" for key, value in query_pairs)
    return "\n".join(
        [method.upper(), form_encode(path), "&".join(pairs), f"x-api-nonce:{nonce}", f"x-api-timestamp:{timestamp}", ""]
    )


def hex_hmac_base64(key: str, message: str) -> str:
    hex_digest = hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()
    return base64.b64encode(hex_digest.encode("ascii")).decode("ascii")


def gateway_signature(
    client_secret: str, method: str, path: str, query_pairs: Iterable[tuple[str, str]], nonce: str, timestamp: str
) -> str:
    return hex_hmac_base64(client_secret, canonical_string(method, path, query_pairs, nonce, timestamp))


def app_signature(app_key: str, app_secret: str) -> str:
    return hex_hmac_base64(app_secret, app_key)
