"""Short links: codes, what may be shortened, and which requests are visits. No I/O.

A visit is counted only when a person is likely behind it: link-preview
fetchers (the chat apps and social networks that fetch a link to draw its
card), crawlers, HTTP libraries, HEAD requests and browser prefetches are
not visits. What is counted is a number per link and per day, nothing more.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
"""Lower case without 0/o, 1/l/i: read aloud or typed on a phone without doubt."""
CODE_LENGTH = 10
"""31^10 ≈ 8e14 codes: a million links leave about one hit per 800 million guesses."""
MAX_URL_LENGTH = 2000
SECONDS_PER_DAY = 86_400

_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")

_PREVIEW_AGENTS = re.compile(
    r"bot\b|bot/|crawl|spider|preview|fetcher|facebookexternalhit|facebookcatalog|embedly"
    r"|iframely|mastodon|pleroma|akkoma|misskey|friendica|gotosocial|cardyb|bsky|bluesky"
    r"|slack|whatsapp|skypeuripreview|vkshare|snapchat|xing-contenttabreceiver|outbrain"
    r"|pinterest|redditbot|linkedinbot|telegrambot|discordbot|twitterbot|synapse"
    r"|mattermost|rocket\.chat|google-safety|googleother|headlesschrome"
    r"|http\.rb|python-|aiohttp|httpx|okhttp|go-http-client|java/|curl/|wget/|libwww"
    r"|node-fetch|axios|undici|ruby|php/|scrapy",
    re.IGNORECASE,
)
"""User agents that fetch a link for a machine: chat and social link previews (Telegram,
Discord, Mastodon and the fediverse, Bluesky, X, Slack, WhatsApp, LinkedIn, Matrix…),
crawlers and HTTP libraries."""


class LinkRefused(ValueError):
    """Not a link that may be shortened; `key` names the i18n message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class ShortLink:
    id: int
    code: str
    url: str
    owner_id: int | None
    scope: tuple[str, ...]
    subject: str | None
    created_at: float
    expires_at: float | None
    posted_on: str | None = None
    """Where a push posted it (`mastodon`, `telegram`…); None: a member's own link."""

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True, slots=True)
class LinkCount:
    """A link with its visits: all of them, and over the last days asked."""

    link: ShortLink
    visits: int
    recent: int


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def is_code(text: str) -> bool:
    """Shaped like a code: anything else is answered 404 without a look-up."""
    return bool(_CODE.match(text))


def check_target(raw: str) -> str:
    """The URL a link may lead to: http or https, a host, no credentials, not too long.

    Anything else (`javascript:`, `data:`, `file:`, an address with a password in
    it) is refused: a short link must never hide what a browser would refuse to
    follow or what leaks a secret.
    """
    url = raw.strip()
    if len(url) > MAX_URL_LENGTH:
        raise LinkRefused("short.too_long", limit=MAX_URL_LENGTH)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise LinkRefused("short.bad_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise LinkRefused("short.bad_url") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise LinkRefused("short.bad_scheme")
    if parts.username is not None or parts.password is not None:
        raise LinkRefused("short.credentials")
    del port  # parsed only to refuse a malformed one
    return url


def is_visit(method: str, headers: Mapping[str, str]) -> bool:
    """Whether a request for a short link counts as a visit."""
    if method != "GET":
        return False
    purpose = (headers.get("Sec-Purpose") or headers.get("Purpose") or "").lower()
    if "prefetch" in purpose or "prerender" in purpose:
        return False
    if headers.get("X-Moz", "").lower() == "prefetch":
        return False
    agent = headers.get("User-Agent", "")
    if not agent.strip():
        return False
    return _PREVIEW_AGENTS.search(agent) is None


def day_of(epoch: float) -> int:
    """The day a visit is counted in: days since 1970-01-01, UTC."""
    return int(epoch // SECONDS_PER_DAY)
