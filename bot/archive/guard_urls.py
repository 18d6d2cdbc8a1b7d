"""The URLs the downloaders see: every media URL points at the fetch guard, in plain http.

ffmpeg may speak only plain http (its protocol whitelist is `http,tcp,crypto`):
with `https` it would need `tls` and `httpproxy`, and an HLS or DASH playlist
may name an `httpproxy://10.0.0.5:3128/…` segment, which ffmpeg would open by
itself, straight to that address. So the guard does the TLS, and media URLs
are rewritten to the guard's own names: `https://cdn.example.tv:443/a/b.m3u8`
becomes `http://o1.riposte.invalid/a/b.m3u8`, where `o1` stands for the origin
`https://cdn.example.tv:443` in this job's `Origins` table. The downloaders
send those requests to the guard (their proxy), which maps them back.

Keeping the path as it is means relative references in a playlist or a
manifest (`seg1.ts`, `/live/seg1.ts`) resolve exactly as they would against
the real origin. Absolute ones are rewritten here as they pass: HLS URI lines
and `URI="…"` attributes, DASH `BaseURL`/`Location` texts and segment URL
attributes, and redirect targets. A reference with another scheme is refused
(ffmpeg would refuse to open it anyway; refusing here says why the clip fails).
`.invalid` is reserved (RFC 2606): such a name never resolves anywhere.
"""

from __future__ import annotations

import html
import re
import threading
from urllib.parse import urljoin, urlsplit, urlunsplit

from bot.archive.url_policy import FetchRefused, normalize_host

GUARD_DOMAIN = "riposte.invalid"
MAX_MANIFEST = 16 * 1024 * 1024
"""Largest playlist or manifest the guard rewrites (a long live playlist is a few MB)."""

_ORIGIN_LABEL = re.compile(r"^o(\d{1,6})\." + re.escape(GUARD_DOMAIN) + r"$")
_HLS_URI_ATTRIBUTE = re.compile(r'URI="([^"]*)"')
_DASH_TEXT = re.compile(r"(<(?:\w+:)?(?:BaseURL|Location|PatchLocation)\b[^>]*>)([^<]*)(<)")
_DASH_ATTRIBUTE = re.compile(
    r"(\s(?:media|initialization|index|bitstreamSwitching|sourceURL|xlink:href)=)"
    r"(\"[^\"]*\"|'[^']*')"
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]
"""scheme, host, port"""


class Origins:
    """This job's table of origins behind the guard's names; shared by two threads."""

    def __init__(self) -> None:
        self._by_name: dict[str, Origin] = {}
        self._by_origin: dict[Origin, str] = {}
        self._lock = threading.Lock()

    def name_for(self, origin: Origin) -> str:
        with self._lock:
            name = self._by_origin.get(origin)
            if name is None:
                name = f"o{len(self._by_origin) + 1}.{GUARD_DOMAIN}"
                self._by_origin[origin] = name
                self._by_name[name] = origin
            return name

    def origin_of(self, host: str) -> Origin | None:
        """The real origin behind one of our names; None for any other host."""
        name = normalize_host(host.rsplit(":", 1)[0] if host.count(":") == 1 else host)
        if not _ORIGIN_LABEL.match(name):
            return None
        with self._lock:
            return self._by_name.get(name)

    def route(self, url: str) -> str:
        """The guard's name for an absolute http(s) URL; FetchRefused for any other scheme."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise FetchRefused(f"{url[:80]}: not an http(s) reference")
        if self.origin_of(parts.hostname) is not None:
            return url  # already ours
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise FetchRefused(f"{url[:80]}: bad port") from None
        name = self.name_for((scheme, normalize_host(parts.hostname), port))
        return urlunsplit(("http", name, parts.path or "/", parts.query, ""))

    def real_url(self, url: str) -> str | None:
        """The URL a guard name stands for (the inverse of `route`); None if not ours."""
        parts = urlsplit(url)
        origin = self.origin_of(parts.netloc)
        if origin is None:
            return None
        scheme, host, port = origin
        netloc = f"[{host}]" if ":" in host else host
        if port != _DEFAULT_PORTS[scheme]:
            netloc += f":{port}"
        return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _routed(origins: Origins, base: str, reference: str) -> str:
    """A reference of a document at `base`, as the downloader must see it."""
    target = reference.strip()
    if _SCHEME.match(target) is None and not target.startswith("//"):
        return reference  # relative: resolves against the guard's name as it would upstream
    return origins.route(urljoin(base, target))


def rewrite_hls(text: str, base: str, origins: Origins) -> str:
    """An HLS playlist whose every URI (lines and `URI="…"` attributes) is routed."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            lines.append(line)
        elif stripped.startswith("#"):
            lines.append(
                _HLS_URI_ATTRIBUTE.sub(
                    lambda m: f'URI="{_routed(origins, base, m.group(1))}"', line
                )
            )
        else:
            lines.append(_routed(origins, base, stripped))
    return "\n".join(lines) + "\n"


def rewrite_dash(text: str, base: str, origins: Origins) -> str:
    """A DASH manifest whose absolute references are routed (relative ones need nothing)."""

    def attribute(match: re.Match[str]) -> str:
        quote = match.group(2)[0]
        value = html.unescape(match.group(2)[1:-1])
        routed = html.escape(_routed(origins, base, value), quote=True)
        return f"{match.group(1)}{quote}{routed}{quote}"

    def element(match: re.Match[str]) -> str:
        value = html.unescape(match.group(2))
        routed = html.escape(_routed(origins, base, value), quote=False)
        return f"{match.group(1)}{routed}{match.group(3)}"

    return _DASH_TEXT.sub(element, _DASH_ATTRIBUTE.sub(attribute, text))


SNIFF = 8192
"""Bytes of a body read before deciding whether it is a playlist or a manifest."""


def manifest_kind(head: bytes) -> str | None:
    """ "hls", "dash" or None, by the body as ffmpeg's own probes would tell.

    Only the body counts (a playlist served as `text/plain` is still read as
    one). A manifest this misses is relayed as it is: its https references then
    fail (ffmpeg has no TLS) and its http ones still pass the guard, so a miss
    costs a clip, never a check.
    """
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"#EXTM3U"):
        return "hls"
    if b"<mpd" in head[:SNIFF].lower():
        return "dash"
    return None


def rewrite_manifest(kind: str, body: bytes, base: str, origins: Origins) -> bytes:
    """The rewritten document, byte for byte elsewhere (undecodable bytes kept as they are)."""
    text = body.decode("utf-8", "surrogateescape")
    rewrite = rewrite_hls if kind == "hls" else rewrite_dash
    return rewrite(text, base, origins).encode("utf-8", "surrogateescape")
