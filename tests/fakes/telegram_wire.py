"""What the fake Bot API checks and answers, apart from the server itself.

Telegram's HTML parse mode (visible text and entities, errors for bad markup),
UTF-16 lengths, the records of calls and sent messages, and the flood limits.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

MAX_TEXT_UTF16 = 4096
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "blockquote",
        "tg-emoji",
    }
)
_ENTITY_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    """An error answer: HTTP status, description, optional `parameters`."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class _TelegramHTML(HTMLParser):
    """Visible text and entities of a parse_mode=HTML text, failing like Telegram does."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self._units_seen = 0
        self.open: list[tuple[str, int]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.open.append((tag, self._units_seen))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise ApiError(400, f"Bad Request: can't parse entities: Unexpected end tag {tag}")
        name, start = self.open.pop()
        if self._units_seen > start:
            self.entities.append(
                {"type": _ENTITY_OF_TAG[name], "offset": start, "length": self._units_seen - start}
            )

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        self._units_seen += utf16_len(data)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise ApiError(
            400, "Bad Request: can't parse entities: Can't find end tag corresponding to start tag"
        )
    return "".join(parser.text), sorted(parser.entities, key=lambda e: e["offset"])


@dataclass(frozen=True, slots=True)
class Call:
    """One request the bot made: method, decoded parameters, what it got, when."""

    method: str
    params: dict[str, Any]
    status: int
    at: float
    files: tuple[str, ...] = ()
    """Names of the multipart fields that carried a file."""


@dataclass(slots=True)
class SentMessage:
    """A message the bot sent (or edited), as a Telegram user would read it."""

    chat_id: int
    message_id: int
    text: str
    """Visible text, after HTML parsing."""
    raw: str
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    message_thread_id: int | None = None
    edits: int = 0

    def entity_texts(self, kind: str | None = None) -> list[str]:
        """The text each entity covers (offsets are in UTF-16 units, as Telegram counts)."""
        units = self.text.encode("utf-16-le")
        return [
            units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in self.entities
            if kind is None or e["type"] == kind
        ]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Telegram's published flood limits; a client that exceeds them gets 429."""

    global_per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_group_per_minute: int = 20
    retry_after: int = 1
    per_chat_slack: int = 1
    """Burst a chat may take above its rate before 429 (Telegram tolerates short bursts)."""


@dataclass(slots=True)
class FloodLimiter:
    """Sliding windows of send times, for the optional rate-limit enforcement."""

    limits: RateLimits
    recent: collections.deque[float] = field(default_factory=collections.deque)
    per_chat: dict[int, collections.deque[float]] = field(default_factory=dict)
    per_group_minute: dict[int, collections.deque[float]] = field(default_factory=dict)

    def check(self, chat_id: int, now: float) -> int | None:
        """None when the send may go (and is counted); else the retry_after to answer."""
        limits = self.limits
        while self.recent and now - self.recent[0] >= 1.0:
            self.recent.popleft()
        if len(self.recent) >= limits.global_per_second:
            return limits.retry_after
        chat = self.per_chat.setdefault(chat_id, collections.deque())
        while chat and now - chat[0] >= 1.0:
            chat.popleft()
        if len(chat) >= limits.per_chat_per_second + limits.per_chat_slack:
            return limits.retry_after
        group: collections.deque[float] | None = None
        if chat_id < 0:
            group = self.per_group_minute.setdefault(chat_id, collections.deque())
            while group and now - group[0] >= 60.0:
                group.popleft()
            if len(group) >= limits.per_group_per_minute:
                return max(limits.retry_after, int(60.0 - (now - group[0])) + 1)
        self.recent.append(now)
        chat.append(now)
        if group is not None:
            group.append(now)
        return None
