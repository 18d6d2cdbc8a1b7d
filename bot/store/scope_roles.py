"""Which platform role stands for which scope tag (`rolemap`), per platform."""

from __future__ import annotations

from bot.store.connection import Connection


class ScopeRoleRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def set(self, platform: str, tag: str, role_id: str) -> None:
        await self._conn.execute(
            "INSERT INTO scope_roles (platform, tag, role_id) VALUES (?, ?, ?)"
            " ON CONFLICT(platform, tag) DO UPDATE SET role_id = excluded.role_id",
            (platform, tag, role_id),
        )

    async def remove(self, platform: str, tag: str) -> bool:
        changed = await self._conn.execute(
            "DELETE FROM scope_roles WHERE platform = ? AND tag = ?", (platform, tag)
        )
        return changed > 0

    async def all(self, platform: str) -> dict[str, str]:
        """Tag -> role id, for one platform."""
        rows = await self._conn.fetchall(
            "SELECT tag, role_id FROM scope_roles WHERE platform = ? ORDER BY tag", (platform,)
        )
        return {row["tag"]: row["role_id"] for row in rows}
