from __future__ import annotations

import time
from collections.abc import Iterable

import aiosqlite

from bot.domain.rooms import Room


class RoomRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _tags(self, room_id: int) -> tuple[str, ...]:
        async with self._conn.execute(
            "SELECT tag FROM room_tags WHERE room_id = ? ORDER BY rowid", (room_id,)
        ) as cur:
            return tuple(row["tag"] for row in await cur.fetchall())

    def _room(self, row: aiosqlite.Row, tags: tuple[str, ...]) -> Room:
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
        async with self._conn.execute(
            "SELECT * FROM rooms WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else self._room(row, await self._tags(row["id"]))

    async def all(self) -> list[Room]:
        async with self._conn.execute("SELECT * FROM rooms ORDER BY platform, title, id") as cur:
            rows = await cur.fetchall()
        async with self._conn.execute("SELECT room_id, tag FROM room_tags ORDER BY rowid") as cur:
            tag_rows = await cur.fetchall()
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
            "INSERT OR IGNORE INTO room_tags (room_id, tag) VALUES (?, ?)",
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
        cur = await self._conn.execute(
            "UPDATE rooms SET chat_id = ? WHERE platform = ? AND chat_id = ?",
            (new_chat_id, platform, old_chat_id),
        )
        return cur.rowcount > 0
