from __future__ import annotations

import time
from collections.abc import Iterable

from bot.domain.rooms import Room
from bot.store.connection import Connection, Row


class RoomRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._order = conn.dialect.insertion_order

    async def _tags(self, room_id: int) -> tuple[str, ...]:
        rows = await self._conn.fetchall(
            f"SELECT tag FROM room_tags WHERE room_id = ? ORDER BY {self._order}", (room_id,)
        )
        return tuple(row["tag"] for row in rows)

    def _room(self, row: Row, tags: tuple[str, ...]) -> Room:
        return Room(
            id=row["id"],
            platform=row["platform"],
            chat_id=row["chat_id"],
            title=row["title"],
            tags=tags,
            lang=row["lang"],
            unreachable_reason=row["unreachable_reason"],
        )

    async def get(self, platform: str, chat_id: str) -> Room | None:
        row = await self._conn.fetchone(
            "SELECT * FROM rooms WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        )
        return None if row is None else self._room(row, await self._tags(row["id"]))

    async def all(self) -> list[Room]:
        rows = await self._conn.fetchall("SELECT * FROM rooms ORDER BY platform, title, id")
        tag_rows = await self._conn.fetchall(
            f"SELECT room_id, tag FROM room_tags ORDER BY {self._order}"
        )
        tags: dict[int, list[str]] = {}
        for tag_row in tag_rows:
            tags.setdefault(tag_row["room_id"], []).append(tag_row["tag"])
        return [self._room(row, tuple(tags.get(row["id"], ()))) for row in rows]

    async def link(self, platform: str, chat_id: str, title: str, tags: Iterable[str]) -> Room:
        """Link the room, or refresh it if already linked; tags are replaced when given."""
        await self._conn.execute(
            "INSERT INTO rooms (platform, chat_id, title, linked_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(platform, chat_id) DO UPDATE SET title = excluded.title,"
            " unreachable_reason = NULL",
            (platform, chat_id, title, time.time()),
        )
        room = await self.get(platform, chat_id)
        assert room is not None
        tags = tuple(tags)
        if tags:
            await self._conn.execute("DELETE FROM room_tags WHERE room_id = ?", (room.id,))
            await self.add_tags(room.id, tags)
        room = await self.get(platform, chat_id)
        assert room is not None
        return room

    async def unlink(self, room_id: int) -> None:
        await self._conn.execute("DELETE FROM rooms WHERE id = ?", (room_id,))

    async def add_tags(self, room_id: int, tags: Iterable[str]) -> None:
        await self._conn.executemany(
            "INSERT INTO room_tags (room_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(room_id, tag) for tag in tags],
        )

    async def remove_tags(self, room_id: int, tags: Iterable[str]) -> None:
        await self._conn.executemany(
            "DELETE FROM room_tags WHERE room_id = ? AND tag = ?", [(room_id, t) for t in tags]
        )

    async def set_lang(self, room_id: int, lang: str | None) -> None:
        await self._conn.execute("UPDATE rooms SET lang = ? WHERE id = ?", (lang, room_id))

    async def mark_unreachable(self, platform: str, chat_id: str, reason: str | None) -> None:
        await self._conn.execute(
            "UPDATE rooms SET unreachable_reason = ? WHERE platform = ? AND chat_id = ?",
            (reason, platform, chat_id),
        )

    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> bool:
        """A chat changed id (Telegram's group -> supergroup migration): keep the link."""
        changed = await self._conn.execute(
            "UPDATE rooms SET chat_id = ? WHERE platform = ? AND chat_id = ?",
            (new_chat_id, platform, old_chat_id),
        )
        return changed > 0
