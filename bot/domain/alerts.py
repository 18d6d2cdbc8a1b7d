"""Alerts: what was raised, where, in which scope, and what became of it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.ids import Kind, format_id
from bot.domain.tags import InvalidTag, normalize_tag

MAX_ALERT_LENGTH = 2000
"""Default of `[alerts] max_length`: an alert is read on a phone, in a hurry."""
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TAG_TOKEN = re.compile(r"(?<![\w/&#])#([^\s#]+)")


def alert_subject(alert_id: int) -> str:
    """The outbox subject of an alert's relayed copies (edited when it changes)."""
    return f"alert:{alert_id}"


class AlertStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    text: str
    url: str | None
    scope: tuple[str, ...]
    author_member_id: int
    author_name: str
    origin_platform: str
    origin_chat_id: str
    origin_label: str
    origin_private: bool
    created_at: datetime
    status: AlertStatus = AlertStatus.OPEN
    cancelled_at: datetime | None = None
    acks: tuple[AlertAck, ...] = field(default=())
    urgent: bool = False
    """Raised `!urgent` by a coordinator: it goes through quiet hours and digests."""
    reach_members: int | None = None
    """Members its receipts announced (private copies, role mentions, digests); None for
    alerts raised before this was kept."""
    reach_digest: int | None = None
    """Of those, the members who got it (or will) in a digest."""

    @property
    def short_id(self) -> str:
        return format_id(Kind.ALERT, self.id)


@dataclass(frozen=True, slots=True)
class AlertAck:
    member_id: int
    member_name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AlertDraft:
    text: str
    url: str | None
    scope: tuple[str, ...]


class AlertTextError(ValueError):
    """Carries an i18n key: the handler turns it into a localized reply."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


URGENT_WORDS = frozenset({"!urgent", "!urgente", "!urgence"})


def split_urgent(raw: str) -> tuple[bool, str]:
    """`!urgent Le député…`: (True, `Le député…`); anything else is returned as is."""
    head, _, rest = raw.strip().partition(" ")
    if head.casefold() in URGENT_WORDS:
        return True, rest.strip()
    return False, raw


def parse_alert_text(raw: str, max_length: int = MAX_ALERT_LENGTH) -> AlertDraft:
    """Split `text [url] [#tags]` into its parts.

    `#tags` anywhere in the text set the scope and are removed from the text;
    the first http(s) URL is kept in the text and remembered as the source.
    A `#` inside a URL (a fragment) is not a tag.
    """
    text = raw.strip()
    if len(text) > max_length:
        raise AlertTextError("alert.too_long", limit=max_length, length=len(text))
    body, scope = extract_tags(text)
    if not body:
        raise AlertTextError("alert.empty")
    url_match = _URL.search(body)
    url = url_match.group(0).rstrip(".,;:!?)") if url_match else None
    return AlertDraft(text=body, url=url, scope=scope)


def extract_tags(text: str) -> tuple[str, tuple[str, ...]]:
    """`#tags` out of a text: (the text without them, the normalised tags in order).

    A `#` inside a URL (a fragment) is not a tag.
    """
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    scope: list[str] = []
    pieces: list[str] = []
    cursor = 0
    for match in _TAG_TOKEN.finditer(text):
        if any(start <= match.start() < end for start, end in urls):
            continue
        try:
            tag = normalize_tag(match.group(1).rstrip(".,;:!?)"))
        except InvalidTag as error:
            raise AlertTextError("alert.bad_tag", tag=match.group(0)) from error
        if tag not in scope:
            scope.append(tag)
        pieces.append(text[cursor : match.start()])
        cursor = match.end()
    pieces.append(text[cursor:])
    return re.sub(r"[ \t]{2,}", " ", "".join(pieces)).strip(), tuple(scope)
