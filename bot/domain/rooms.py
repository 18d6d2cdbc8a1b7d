"""Rooms: a chat on one platform linked into the network, with scope tags."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Room:
    id: int
    platform: str
    chat_id: str
    title: str
    tags: tuple[str, ...] = field(default=())
    lang: str | None = None
    unreachable_reason: str | None = None

    @property
    def label(self) -> str:
        return self.title or self.chat_id
