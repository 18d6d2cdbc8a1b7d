"""Which URLs and addresses the archive may fetch: http(s) only, never the bot's own network.

A chat member's URL is fetched by the bot's machine, so without this anyone
could make it read `file:///etc/passwd`, the router's admin page or a cloud
metadata endpoint (SSRF). Two places apply it:

- `check_url` runs in the command handler, without I/O: scheme, credentials,
  ports, literal addresses and `localhost` are refused at once, in the
  user's language.
- `AddressPolicy.pick` runs in the worker's fetch guard (`fetch_guard.py`)
  for every connection yt-dlp or ffmpeg opens: the name is resolved there,
  the answer checked, and the connection made to the checked address.

`trusted_hosts` holds names (trusted whatever they resolve to) and addresses
or networks (`192.168.1.20`, `10.0.0.0/24`: reachable whatever name leads to
them), for a replay server on the LAN and for the tests' local servers.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2000

BLOCKED_PORTS = frozenset({
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95,
    101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179,
    389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601,
    636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566,
    6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
})  # fmt: skip
"""The Fetch standard's "bad ports" (mail, SSH, IRC…): browsers never send HTTP there.

Even on a public host, an HTTP request made to an SMTP or IRC port can be
read as commands by that service (cross-protocol abuse), with the bot's
address as the sender.
"""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class UrlRefused(ValueError):
    """A URL the archive will not fetch; `key` is an i18n key."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class FetchRefused(Exception):
    """A connection the fetch guard will not open; the message names the host and why."""


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_forbidden_address(address: str) -> bool:
    """Loopback, private, link-local, multicast, reserved or unspecified: not the internet."""
    ip = _ip(address)
    if ip is None:
        return True  # not an address at all: refuse rather than guess
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _literal_address(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    # Forms browsers and libc accept for IPv4: `127.1`, `2130706433`, `0x7f.0.0.1`.
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def normalize_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Where the worker may connect: public addresses, plus what the configuration trusts."""

    allow_private: bool = False
    trusted_names: frozenset[str] = frozenset()
    trusted_networks: tuple[Network, ...] = ()

    @classmethod
    def from_settings(cls, allow_private: bool, trusted_hosts: Iterable[str]) -> AddressPolicy:
        names: set[str] = set()
        networks: list[Network] = []
        for entry in trusted_hosts:
            cleaned = normalize_host(entry)
            try:
                networks.append(ipaddress.ip_network(cleaned, strict=False))
            except ValueError:
                names.add(cleaned)
        return cls(allow_private, frozenset(names), tuple(networks))

    def trusts_name(self, host: str) -> bool:
        return normalize_host(host) in self.trusted_names

    def allows_address(self, address: str) -> bool:
        if self.allow_private or not is_forbidden_address(address):
            return True
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.trusted_networks)

    def check_port(self, host: str, port: int) -> None:
        if port in BLOCKED_PORTS or not 0 < port < 65536:
            raise FetchRefused(f"{host}:{port}: port not allowed")

    def pick(self, host: str, port: int, addresses: Sequence[str]) -> str:
        """The address to connect to for `host`, or FetchRefused.

        A name with any forbidden answer is refused, not just filtered: a
        resolver that mixes a public and a private answer is up to something.
        """
        self.check_port(host, port)
        if not addresses:
            raise FetchRefused(f"{host}: no address")
        if self.trusts_name(host):
            return addresses[0]
        for address in addresses:
            if not self.allows_address(address):
                raise FetchRefused(f"{host} resolves to a non-public address")
        return addresses[0]


def check_url(url: str, *, allow_private: bool, trusted_hosts: Iterable[str] = ()) -> str:
    """The URL, cleaned, or `UrlRefused`. No DNS here: the worker checks resolved addresses."""
    cleaned = url.strip().strip("<>")
    if len(cleaned) > MAX_URL_LENGTH:
        raise UrlRefused("url.too_long", limit=MAX_URL_LENGTH)
    try:
        parts = urlsplit(cleaned)
        port = parts.port
    except ValueError:
        raise UrlRefused("url.malformed", url=cleaned[:80]) from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UrlRefused("url.scheme", scheme=scheme or "?")
    if not parts.hostname:
        raise UrlRefused("url.malformed", url=cleaned[:80])
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("url.credentials")
    if port == 0:
        raise UrlRefused("url.malformed", url=cleaned[:80])
    if port is not None and port in BLOCKED_PORTS:
        raise UrlRefused("url.port", port=port)
    host = normalize_host(parts.hostname)
    policy = AddressPolicy.from_settings(allow_private, trusted_hosts)
    if allow_private or policy.trusts_name(host):
        return cleaned
    literal = _literal_address(host)
    if literal is not None:
        if not policy.allows_address(literal):
            raise UrlRefused("url.private", host=host)
        return cleaned
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise UrlRefused("url.private", host=host)
    return cleaned
