"""Kingdee gateway signatures, written from VENDORS.md §3 independently of the client's code (byte tables
here, Python's quote_plus there), so that a mistake in one is caught by the other: they must agree on the
vendor's test vectors.

Each query value goes through two encoders, as in the vendor's Java client
(GwURLEncoder.encode(java.net.URLEncoder.encode(value))); keys and the path through the gateway's alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import string
from collections.abc import Iterable

_ALNUM = frozenset((string.ascii_letters + string.digits).encode())
# Bytes each encoder writes as themselves; a space becomes "+", every other byte %XX (upper case).
JAVA_URLENCODER_KEEPS = _ALNUM | frozenset(b".-*_")
GATEWAY_ENCODER_KEEPS = _ALNUM | frozenset(b"-_.~")


def _encoder(keeps: frozenset[int]) -> list[str]:
    """What each of the 256 byte values becomes."""
    table = [f"%{byte:02X}" for byte in range(256)]
    for byte in keeps:
        table[byte] = chr(byte)
    table[ord(" ")] = "+"
    return table


_JAVA_TABLE = _encoder(JAVA_URLENCODER_KEEPS)
_GATEWAY_TABLE = _encoder(GATEWAY_ENCODER_KEEPS)


def java_urlencode(text: str) -> str:
    return "".join(_JAVA_TABLE[byte] for byte in text.encode("utf-8"))


def gateway_encode(text: str) -> str:
    return "".join(_GATEWAY_TABLE[byte] for byte in text.encode("utf-8"))


def canonical_string(method: str, path: str, query_pairs: Iterable[tuple[str, str]], nonce: str, timestamp: str) -> str:
    pairs = sorted(f"{gateway_encode(key)}={gateway_encode(java_urlencode(value))}" for key, value in query_pairs)
    headers = [f"x-api-nonce:{nonce}", f"x-api-timestamp:{timestamp}"]
    return "\n".join([method.upper(), gateway_encode(path), "&".join(pairs), *headers]) + "\n"


def hex_hmac_base64(key: str, message: str) -> str:
    hex_digest = hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()
    return base64.b64encode(hex_digest.encode("ascii")).decode("ascii")


def gateway_signature(
    client_secret: str, method: str, path: str, query_pairs: Iterable[tuple[str, str]], nonce: str, timestamp: str
) -> str:
    return hex_hmac_base64(client_secret, canonical_string(method, path, query_pairs, nonce, timestamp))


def app_signature(app_key: str, app_secret: str) -> str:
    return hex_hmac_base64(app_secret, app_key)
