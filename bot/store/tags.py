from __future__ import annotations

import aiosqlite

from bot.domain.tags import TagAliases


class TagRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def aliases(self) -> TagAliases:
        async with self._conn.execute("SELECT alias, canonical FROM tag_aliases") as cur:
            rows = await cur.fetchall()
        return TagAliases({row["alias"]: row["canonical"] for row in rows})

    async def upsert(self, rows: dict[str, str]) -> None:
        await self._conn.executemany(
            "INSERT INTO tag_aliases (alias, canonical) VALUES (?, ?)"
            " ON CONFLICT(alias) DO UPDATE SET canonical = excluded.canonical",
            list(rows.items()),
        )

    async def remove(self, alias: str) -> bool:
        cur = await self._conn.execute("DELETE FROM tag_aliases WHERE alias = ?", (alias,))
        return cur.rowcount > 0
