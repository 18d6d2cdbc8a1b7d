"""Content (`C4`): what members submit and coordinators approve, and how long it is where.

A content item is a text, an optional link and clip, a scope, and optional
per-network variants (a shorter text for X). Every network counts length its
own way, and each has a hard limit; a text over it is refused with the count,
never cut: the people who wrote it choose what to drop. The counting rules:

- X: the weighted length of twitter-text (the library X's clients use): most
  characters 1, CJK and emoji 2, every URL 23, at most 280;
- Mastodon: grapheme clusters, every URL 23 (the instance says how many it
  reserves), at most 500 or what the instance is configured for;
- Bluesky: grapheme clusters of the text as posted, where each link is shown
  short (`example.org/retraites-le-vr…`) and carried whole by a link facet;
- Telegram: UTF-16 code units, at most 4,096; Discord: characters, at most 2,000.

Every published text carries the content's link: a variant written without it
gets it appended, and that counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import grapheme
from twitter_text import parse_tweet

from bot.domain.alerts import AlertTextError, extract_tags
from bot.domain.ids import Kind, format_id, parse_short_id

MAX_CONTENT_LENGTH = 4000
"""Longest text or variant anyone may submit, in characters (beyond every network's limit
but Telegram's, which counts differently)."""
MAX_REASON_LENGTH = 300
URL_LENGTH = 23
"""What X and Mastodon count for any URL, whatever its length."""
BLUESKY_LINK_DISPLAY = 30
"""Characters of a link shown in a Bluesky post (the facet carries the whole URL)."""

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)»\"'"


class ContentStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Network(StrEnum):
    """Where a text is published; each may have its own variant of a content item."""

    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    TELEGRAM = "telegram"
    DISCORD = "discord"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Network.X: "X",
    Network.MASTODON: "Mastodon",
    Network.BLUESKY: "Bluesky",
    Network.TELEGRAM: "Telegram",
    Network.DISCORD: "Discord",
}

NETWORK_WORDS: Mapping[str, Network] = {
    "x": Network.X,
    "twitter": Network.X,
    "mastodon": Network.MASTODON,
    "masto": Network.MASTODON,
    "bluesky": Network.BLUESKY,
    "bsky": Network.BLUESKY,
    "telegram": Network.TELEGRAM,
    "tg": Network.TELEGRAM,
    "discord": Network.DISCORD,
}

SOCIAL_NETWORKS = (Network.MASTODON, Network.BLUESKY, Network.X)
"""The networks posted to through an account (the others are rooms and channels)."""

DEFAULT_LIMITS: Mapping[Network, int] = {
    Network.X: 280,
    Network.MASTODON: 500,
    Network.BLUESKY: 300,
    Network.TELEGRAM: 4096,
    Network.DISCORD: 2000,
}


class ContentError(ValueError):
    """Carries an i18n key: the handler turns it into a localized reply."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class Content:
    id: int
    text: str
    url: str | None
    clip_id: int | None
    scope: tuple[str, ...]
    author_member_id: int
    author_name: str
    status: ContentStatus
    origin_platform: str
    origin_chat_id: str
    origin_private: bool
    created_at: float
    variants: Mapping[Network, str] = field(default_factory=dict)
    decided_by: int | None = None
    decided_name: str | None = None
    decided_at: float | None = None
    reason: str | None = None
    updated_at: float | None = None
    edited_by: int | None = None
    """Who changed it after it was approved (it then went back to the queue)."""

    @property
    def short_id(self) -> str:
        return format_id(Kind.CONTENT, self.id)

    def text_for(self, network: Network | None, link: str | None = None) -> str:
        """What is published on `network` (None: rooms without a variant of their own).

        `link` replaces the content's URL (a push's own short link), when given.
        """
        body = self.variants.get(network, self.text) if network is not None else self.text
        return with_link(body, self.url, link)


@dataclass(frozen=True, slots=True)
class ContentDraft:
    text: str
    url: str | None
    clip_number: int | None
    scope: tuple[str, ...]


def first_url(text: str) -> str | None:
    found = _URL.search(text)
    return found.group(0).rstrip(_TRAILING) if found else None


def with_link(body: str, url: str | None, link: str | None = None) -> str:
    """`body`, with the content's link in it: appended on its own line when missing."""
    text = body.strip()
    if url is None:
        return text
    shown = link or url
    if url in text:
        return text.replace(url, shown) if link else text
    if link and link in text:
        return text
    return f"{text}\n{shown}" if text else shown


def parse_submission(raw: str) -> ContentDraft:
    """`text [url] [K9] [#tags]`: the clip is a `K9` word at the end, the link the first URL
    (kept in the text), the #tags the scope (taken out of the text)."""
    words = raw.split()
    clip: int | None = None
    if words:
        short = parse_short_id(words[-1], Kind.CLIP)
        if short is not None:
            clip = short.number
            words = words[:-1]
    try:
        body, scope = extract_tags(" ".join(words) if clip is not None else raw.strip())
    except AlertTextError as error:
        raise ContentError("content.bad_tag", **error.params) from None
    if not body:
        raise ContentError("content.empty")
    if len(body) > MAX_CONTENT_LENGTH:
        raise ContentError("content.too_long_text", limit=MAX_CONTENT_LENGTH, length=len(body))
    return ContentDraft(body, first_url(body), clip, scope)


@dataclass(frozen=True, slots=True)
class EditRequest:
    network: Network | None
    """None: the text itself; otherwise the variant for this network."""
    text: str
    """Empty with a network: remove that variant."""


def parse_edit(raw: str) -> EditRequest:
    """`x: shorter text`, `mastodon: …`, `x: -` (remove the variant), or a new text."""
    head, sep, rest = raw.strip().partition(":")
    network = NETWORK_WORDS.get(head.strip().casefold()) if sep and " " not in head else None
    if network is None:
        body = raw.strip()
        if not body:
            raise ContentError("content.empty")
        if len(body) > MAX_CONTENT_LENGTH:
            raise ContentError("content.too_long_text", limit=MAX_CONTENT_LENGTH, length=len(body))
        return EditRequest(None, body)
    body = rest.strip()
    if body in ("-", "—"):
        body = ""
    if len(body) > MAX_CONTENT_LENGTH:
        raise ContentError("content.too_long_text", limit=MAX_CONTENT_LENGTH, length=len(body))
    return EditRequest(network, body)


# --- measuring ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkFacet:
    """A link in a Bluesky post: UTF-8 byte offsets of the text shown, and the whole URL."""

    byte_start: int
    byte_end: int
    uri: str


def bluesky_post(text: str) -> tuple[str, tuple[LinkFacet, ...]]:
    """The text as posted on Bluesky, with each URL shown short, and its link facets."""
    pieces: list[str] = []
    facets: list[LinkFacet] = []
    cursor = 0
    offset = 0
    for match in _URL.finditer(text):
        uri = match.group(0).rstrip(_TRAILING)
        start, end = match.start(), match.start() + len(uri)
        before = text[cursor:start]
        pieces.append(before)
        offset += len(before.encode("utf-8"))
        shown = short_link(uri)
        pieces.append(shown)
        length = len(shown.encode("utf-8"))
        facets.append(LinkFacet(offset, offset + length, uri))
        offset += length
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), tuple(facets)


def short_link(uri: str) -> str:
    """`https://www.example.org/a/long/path` -> `example.org/a/long/path` cut at 30 with `…`."""
    shown = re.sub(r"^https?://(www\.)?", "", uri, flags=re.IGNORECASE)
    if len(shown) > BLUESKY_LINK_DISPLAY:
        shown = shown[: BLUESKY_LINK_DISPLAY - 1] + "…"
    return shown


def _urls_as(text: str, width: int) -> str:
    return _URL.sub(lambda m: "u" * width + m.group(0)[len(m.group(0).rstrip(_TRAILING)) :], text)


def measure(network: Network, text: str) -> int:
    """The length of `text` as `network` counts it (see the module docstring)."""
    if network is Network.X:
        return int(parse_tweet(text).weightedLength)
    if network is Network.MASTODON:
        return int(grapheme.length(_urls_as(text, URL_LENGTH)))
    if network is Network.BLUESKY:
        return int(grapheme.length(bluesky_post(text)[0]))
    if network is Network.TELEGRAM:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


@dataclass(frozen=True, slots=True)
class TooLong:
    network: Network
    length: int
    limit: int
    from_variant: bool


def over_limits(
    content: Content, networks: Iterable[Network], limits: Mapping[Network, int]
) -> list[TooLong]:
    """Every network among `networks` whose text (variant, or the text itself) is too long."""
    found: list[TooLong] = []
    for network in networks:
        limit = limits.get(network, DEFAULT_LIMITS[network])
        length = measure(network, content.text_for(network))
        if length > limit:
            found.append(TooLong(network, length, limit, network in content.variants))
    return found


def may_decide(actor_id: int, content: Content, *, four_eyes: bool) -> str | None:
    """Why `actor_id` may not approve this content (an i18n key), or None.

    With four eyes, nobody approves what they wrote, nor what they changed after it was
    approved: a second coordinator must.
    """
    if four_eyes and actor_id == content.author_member_id:
        return "content.four_eyes"
    if four_eyes and actor_id == content.edited_by:
        return "content.four_eyes_edit"
    return None
