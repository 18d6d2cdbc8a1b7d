"""Which platform role stands for which scope tag (`rolemap`), per platform."""

from __future__ import annotations

import aiosqlite


class ScopeRoleRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def set(self, platform: str, tag: str, role_id: str) -> None:
        await self._conn.execute(
            "INSERT INTO scope_roles (platform, tag, role_id) VALUES (?, ?, ?)"
            " ON CONFLICT(platform, tag) DO UPDATE SET role_id = excluded.role_id",
            (platform, tag, role_id),
        )

    async def remove(self, platform: str, tag: str) -> bool:
        cur = await self._conn.execute(
            "DELETE FROM scope_roles WHERE platform = ? AND tag = ?", (platform, tag)
        )
        return cur.rowcount > 0

    async def all(self, platform: str) -> dict[str, str]:
        """Tag -> role id, for one platform."""
        async with self._conn.execute(
            "SELECT tag, role_id FROM scope_roles WHERE platform = ? ORDER BY tag", (platform,)
        ) as cur:
            return {row["tag"]: row["role_id"] for row in await cur.fetchall()}
