from __future__ import annotations

from bot.domain.tags import TagAliases
from bot.store.connection import Connection


class TagRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def aliases(self) -> TagAliases:
        rows = await self._conn.fetchall("SELECT alias, canonical FROM tag_aliases")
        return TagAliases({row["alias"]: row["canonical"] for row in rows})

    async def upsert(self, rows: dict[str, str]) -> None:
        await self._conn.executemany(
            "INSERT INTO tag_aliases (alias, canonical) VALUES (?, ?)"
            " ON CONFLICT(alias) DO UPDATE SET canonical = excluded.canonical",
            list(rows.items()),
        )

    async def remove(self, alias: str) -> bool:
        changed = await self._conn.execute("DELETE FROM tag_aliases WHERE alias = ?", (alias,))
        return changed > 0
