"""Which URLs the archive may fetch: http(s) only, never the bot's own network.

A chat member's URL is fetched by the bot's machine, so without this anyone
could make it read `file:///etc/passwd`, the router's admin page or a cloud
metadata endpoint (SSRF). Two layers:

- `check_url` runs in the command handler, without I/O: scheme, credentials,
  literal addresses and `localhost` are refused at once, in the user's language.
- `guard_resolution` runs in the worker process: every name yt-dlp resolves,
  on every redirect hop and every manifest or segment request it makes, goes
  through `socket.getaddrinfo`, which then refuses forbidden addresses. So a
  public host that redirects to 10.0.0.1 is refused at the hop, and DNS
  answers are checked when they are used, not only when the command came in.

Limit: when yt-dlp hands a section to ffmpeg, ffmpeg (another process) opens
the media URL itself; that URL was already fetched through the guard by
yt-dlp's extractor, but a DNS answer changed in between is not seen.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2000


class UrlRefused(ValueError):
    """A URL the archive will not fetch; `key` is an i18n key."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def is_forbidden_address(address: str) -> bool:
    """Loopback, private, link-local, multicast, reserved or unspecified: not the internet."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True  # not an address at all: refuse rather than guess
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
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
    return host.strip().rstrip(".").lower()


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
    host = normalize_host(parts.hostname)
    if allow_private or host in {normalize_host(h) for h in trusted_hosts}:
        return cleaned
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise UrlRefused("url.private", host=host)
    literal = _literal_address(host)
    if literal is not None and is_forbidden_address(literal):
        raise UrlRefused("url.private", host=host)
    return cleaned


class ForbiddenAddress(OSError):
    """Raised inside the worker when a name resolves to an address it may not reach."""


def guard_resolution(
    *,
    allow_private: bool,
    trusted_hosts: Iterable[str] = (),
    on_refuse: Callable[[str], None] | None = None,
) -> Callable[..., Any]:
    """Wrap `socket.getaddrinfo` in this process so forbidden addresses cannot be reached.

    Returns the original function (for tests and for undoing). Meant for the
    worker process only: the bot itself never calls it.
    """
    original = socket.getaddrinfo
    if allow_private:
        return original
    trusted = {normalize_host(h) for h in trusted_hosts}

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        results = original(host, *args, **kwargs)
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if normalize_host(name) in trusted:
            return results
        for result in results:
            address = str(result[4][0])
            if is_forbidden_address(address):
                message = f"{name} resolves to a non-public address"
                if on_refuse is not None:
                    on_refuse(message)
                raise ForbiddenAddress(message)
        return results

    socket.getaddrinfo = guarded
    return original
