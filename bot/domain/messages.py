"""The plain data that crosses the transport seam. No live objects, JSON-serialisable."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Counted:
    """A number and the noun it counts (`count.runs`), as a message's value: the reader's
    catalogue writes it (`1 envoi`, `5 envois`), so rules without a language can say it."""

    noun: str
    n: int


@dataclass(frozen=True, slots=True)
class Phrase:
    """A word or phrase of the reader's catalogue (`kind.A`) as a message's value, for
    rules that know what to say but not in which language."""

    key: str


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One message a transport received, stripped of everything platform-specific."""

    platform: str
    chat_id: str
    user_id: str
    display_name: str
    text: str
    is_private: bool
    username: str | None = None
    chat_title: str | None = None
    message_id: str | None = None
    identified: bool = True
    """False when the platform cannot vouch for `user_id` (an IRC nick without a services
    account): the dispatcher then allows only commands open to guests."""
    update_id: int | None = None
    """The platform's increasing number for this update, where updates may be received
    twice (Telegram's long polling after a cut stop): one at or below the highest already
    handled is skipped, so a command never runs twice."""


class TargetKind(StrEnum):
    ROOM = "room"
    USER = "user"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes: a room (chat id) or a user's private chat (user id)."""

    platform: str
    kind: TargetKind
    address: str


class Style(StrEnum):
    PLAIN = "plain"
    BOLD = "bold"
    CODE = "code"


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text. Transports escape every span; only the style is markup."""

    text: str
    style: Style = Style.PLAIN


@dataclass(frozen=True, slots=True)
class Button:
    """An action a transport may show as a button; `command` is what typing it would do."""

    label: str
    command: str


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    spans: tuple[Span, ...]
    buttons: tuple[Button, ...] = field(default=())
    is_error: bool = False
    mention_tags: tuple[str, ...] = field(default=())
    """Scope tags whose opt-in subscribers a room copy should notify (Discord: their roles)."""
    video: str | None = None
    """A video file (an archived clip) to upload, with the spans as its caption. Sent
    only where the platform can upload (`PlatformLimits.can_upload`), skipped elsewhere."""
    document: str | None = None
    """A file (a member's data export) sent as a document, with the spans as its caption.
    Sent only where the platform takes files (`PlatformLimits.can_send_files`)."""
    sections: tuple[OutgoingMessage, ...] = field(default=())
    """When several queued messages were merged into this one: each of them, in order
    (the spans, buttons and mention tags above are their sum). A platform that shows
    cards (Discord embeds) shows one per section. Empty for a message of its own."""

    @classmethod
    def plain(cls, text: str, *, is_error: bool = False) -> OutgoingMessage:
        return cls((Span(text),), is_error=is_error)

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)

    def to_json(self) -> dict[str, Any]:
        return {
            "spans": [[span.text, span.style.value] for span in self.spans],
            "buttons": [[button.label, button.command] for button in self.buttons],
            "is_error": self.is_error,
            "mention_tags": list(self.mention_tags),
            "video": self.video,
            **({"document": self.document} if self.document else {}),
            **({"sections": [part.to_json() for part in self.sections]} if self.sections else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutgoingMessage:
        return cls(
            spans=tuple(Span(str(text), Style(style)) for text, style in data["spans"]),
            buttons=tuple(Button(str(label), str(cmd)) for label, cmd in data.get("buttons", [])),
            is_error=bool(data.get("is_error", False)),
            mention_tags=tuple(str(tag) for tag in data.get("mention_tags", ())),
            video=str(data["video"]) if data.get("video") else None,
            document=str(data["document"]) if data.get("document") else None,
            sections=tuple(cls.from_json(part) for part in data.get("sections", ())),
        )


@dataclass(frozen=True, slots=True)
class SentRef:
    """What a platform answered when a message was sent; enough to edit it later."""

    platform: str
    chat_id: str
    message_ids: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "chat_id": self.chat_id, "ids": list(self.message_ids)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SentRef:
        return cls(str(data["platform"]), str(data["chat_id"]), tuple(map(str, data["ids"])))


_PLATFORM_LABELS = {"telegram": "Telegram", "discord": "Discord", "irc": "IRC"}


def platform_label(platform: str) -> str:
    """A platform as a sentence names it (`Telegram`, `IRC`); the console keeps its id."""
    return _PLATFORM_LABELS.get(platform, platform)
