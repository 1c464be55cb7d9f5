"""Where a connection may send its secrets: link-local and cloud-metadata addresses never; private, shared and
loopback ones only when settings.VENDOR_ALLOW_PRIVATE_HOSTS (intranet, the sandbox). The form judges the URL
(`base_url_problem`), the connection test every address the host resolves to now (`destination_problem`), and
every TCP connection a vendor session opens is judged by the address it reached, before a byte is written (DNS
rebinding; no lookup of our own).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from vendors.base import VendorClient
from vendors.http import HttpVendorClient

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}

# Cloud instance-metadata services answer with the machine's own credentials. 169.254.169.254 (AWS, GCP,
# Azure, Tencent Cloud…) is link-local and refused with its whole range; these are the others (the addresses:
# Alibaba Cloud, AWS over IPv6).
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata.tencentyun.com"})
METADATA_ADDRESSES = frozenset(map(ipaddress.ip_address, ["100.100.100.200", "fd00:ec2::254"]))
# NAT64's well-known prefix carries an IPv4 address in its last 32 bits (RFC 6052).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class AddressProblem:
    """Why an address is refused: `code` for logs and tests, `message` for the admin."""

    code: str
    message: str | Promise


_SCHEME = AddressProblem("scheme", _("Use an http:// or https:// address."))
_NO_HOST = AddressProblem("host", _("The address has no host name."))
_PORT = AddressProblem("port", _("The port must be a number from 1 to 65535."))
_LINK_LOCAL = AddressProblem(
    "link_local",
    _("This is a link-local address (169.254.x.x or fe80::), where cloud metadata services answer; never allowed."),
)
_METADATA = AddressProblem(
    "metadata", _("This is a cloud metadata service, which answers with the server's own credentials; never allowed.")
)
_NOT_A_HOST = AddressProblem(
    "not_a_host", _("This address is not one a vendor can answer on (broadcast, multicast or reserved).")
)
_LOOPBACK = AddressProblem(
    "loopback", _("This is the server itself (loopback). Allowed only when VENDOR_ALLOW_PRIVATE_HOSTS is on.")
)
_PRIVATE = AddressProblem(
    "private", _("This is a private (intranet) address. Allowed only when VENDOR_ALLOW_PRIVATE_HOSTS is on.")
)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for ([::ffff:169.254.169.254], NAT64, 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.ipv4_mapped or address.sixtofour


def address_problem(address: IPAddress) -> AddressProblem | None:
    """Why a vendor call may not go to `address`, or None if it may."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_problem(embedded)
    if address in METADATA_ADDRESSES:
        return _METADATA
    if address.is_link_local:
        return _LINK_LOCAL
    if address.is_loopback:  # before is_reserved, which ::1 is too
        return None if settings.VENDOR_ALLOW_PRIVATE_HOSTS else _LOOPBACK
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return _NOT_A_HOST
    # Not global: RFC 1918, shared CGNAT space (100.64.0.0/10), unique-local IPv6, documentation ranges…
    return None if settings.VENDOR_ALLOW_PRIVATE_HOSTS or address.is_global else _PRIVATE


@dataclass(frozen=True)
class Origin:
    """Scheme, host and port: what a browser would call the URL's origin. Secrets are bound to one."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}"


class BadBaseURL(ValueError):
    """The base URL cannot be used at all; `problem` says why."""

    def __init__(self, problem: AddressProblem) -> None:
        super().__init__(str(problem.message))
        self.problem = problem


def origin_of(url: str) -> Origin:
    """The origin of `url` (BadBaseURL if it has none we could call)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise BadBaseURL(_SCHEME)
    if not parts.hostname:
        raise BadBaseURL(_NO_HOST)
    try:
        port = DEFAULT_PORTS[scheme] if parts.port is None else parts.port
    except ValueError:
        # urlsplit refuses ports beyond 65535 and anything that is not digits.
        raise BadBaseURL(_PORT) from None
    if not 1 <= port <= 65535:
        raise BadBaseURL(_PORT)
    return Origin(scheme, parts.hostname.rstrip("."), port)


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def base_url_problem(url: str) -> AddressProblem | None:
    """What is wrong with `url` as a vendor base URL, judged without a DNS lookup (None: nothing)."""
    try:
        host = origin_of(url).host
    except BadBaseURL as error:
        return error.problem
    if host in METADATA_HOSTS:
        return _METADATA
    literal = _literal_address(host)
    return None if literal is None else address_problem(literal)


class HostNotFound(OSError):
    """The host name does not resolve (now)."""


def resolve_host(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise HostNotFound(host) from error
    # Each address once, in the resolver's order, without an IPv6 scope ("%eth0").
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


def destination_problem(url: str) -> AddressProblem | None:
    """What is wrong with sending to `url` now: the URL's own problems, then every resolved address's."""
    problem = base_url_problem(url)
    if problem is not None:
        return problem
    origin = origin_of(url)
    if _literal_address(origin.host) is not None:
        return None
    try:
        addresses = resolve_host(origin.host, origin.port)
    except HostNotFound:
        return AddressProblem("not_found", _("The host name %(host)s cannot be found (DNS).") % {"host": origin.host})
    for address in addresses:
        problem = address_problem(address)
        if problem is not None:
            message = _("%(host)s resolves to %(address)s. %(reason)s") % {
                "host": origin.host,
                "address": address,
                "reason": problem.message,
            }
            return AddressProblem(problem.code, message)
    return None


class DestinationRefused(OSError):
    """A vendor session reached an address it may not send to; an OSError, so requests sees a ConnectionError."""


class _PeerChecked:
    """A urllib3 connection that judges the address it reached before anything is written (the TLS handshake, done
    by then, carries the host name, never a secret)."""

    def connect(self) -> None:
        super().connect()
        # Through a proxy the socket leads to the operator's proxy: GuardedAdapter.send judged the vendor's host.
        if self.proxy is not None or self.sock is None:
            return
        peer = str(self.sock.getpeername()[0]).split("%", 1)[0]
        problem = address_problem(ipaddress.ip_address(peer))
        if problem is not None:
            self.sock.close()
            self.sock = None
            logger.warning("vendor call to %s refused: it connected to %s (%s)", self.host, peer, problem.code)
            raise DestinationRefused(f"{self.host} connected to a refused address ({problem.code})")


class _GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = type("GuardedHTTPConnection", (_PeerChecked, HTTPConnection), {})


class _GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = type("GuardedHTTPSConnection", (_PeerChecked, HTTPSConnection), {})


class GuardedAdapter(HTTPAdapter):
    """requests' adapter, whose connections refuse to carry a request to an address `address_problem` refuses."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPConnectionPool,
            "https": _GuardedHTTPSConnectionPool,
        }

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        proxies = kwargs.get("proxies") or {}
        if request.url and select_proxy(request.url, proxies):
            # The proxy resolves the host; we can only judge the name and what it resolves to here. A name that
            # does not resolve here may still resolve at the proxy (split DNS): then only the URL is judged.
            problem = destination_problem(request.url)
            if problem is not None and problem.code != "not_found":
                logger.warning("vendor call through a proxy refused (%s)", problem.code)
                raise requests.ConnectionError(DestinationRefused(problem.code), request=request)
        return super().send(request, *args, **kwargs)


def guard_session(session: requests.Session) -> None:
    """Make every connection `session` opens go through the address check (once per session)."""
    if not isinstance(session.get_adapter("https://"), GuardedAdapter):
        adapter = GuardedAdapter()
        session.mount("https://", adapter)
        session.mount("http://", adapter)


def guard_calls(client: VendorClient) -> VendorClient:
    """`client`, with the address check on the session of whichever thread sends (sessions are per thread)."""
    if not isinstance(client, HttpVendorClient):
        return client
    send = client.send

    @functools.wraps(send)
    def send_guarded(*args: Any, **kwargs: Any) -> Any:
        guard_session(client.session)
        return send(*args, **kwargs)

    client.send = send_guarded  # type: ignore[method-assign]
    return client
