from __future__ import annotations

import time

import aiosqlite


class AuditRepository:
    """Refused commands and privileged changes: who, where, what, when."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def record(
        self,
        *,
        platform: str,
        user_id: str,
        member_id: int | None,
        chat_id: str,
        command: str,
        outcome: str,
        detail: str = "",
    ) -> None:
        await self._conn.execute(
            "INSERT INTO audit_log (at, platform, user_id, member_id, chat_id, command, outcome,"
            " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), platform, user_id, member_id, chat_id, command, outcome, detail[:500]),
        )

    async def recent(self, limit: int = 50) -> list[dict[str, object]]:
        async with self._conn.execute(
            "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        ) as cur:
            return [dict(row) for row in await cur.fetchall()]
