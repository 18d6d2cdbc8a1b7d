from __future__ import annotations

import time

from bot.store.connection import Connection


class AuditRepository:
    """Refused commands and privileged changes: who, where, what, when."""

    def __init__(self, conn: Connection) -> None:
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
        at: float | None = None,
    ) -> None:
        await self._conn.execute(
            "INSERT INTO audit_log (at, platform, user_id, member_id, chat_id, command, outcome,"
            " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                time.time() if at is None else at,
                platform,
                user_id,
                member_id,
                chat_id,
                command,
                outcome,
                detail[:500],
            ),
        )

    async def recent(
        self, limit: int = 50, member_id: int | None = None
    ) -> list[dict[str, object]]:
        """The latest rows, newest first; only one member's when `member_id` is given."""
        params: tuple[int, ...]
        if member_id is None:
            query, params = "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        else:
            query = "SELECT * FROM audit_log WHERE member_id = ? ORDER BY id DESC LIMIT ?"
            params = (member_id, limit)
        rows = await self._conn.fetchall(query, params)
        return [dict(row) for row in rows]

    async def count_since(
        self, platform: str, user_id: str, command: str, outcome: str, since: float
    ) -> int:
        """How often this identity got this outcome lately (wrong invitation codes tried)."""
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM audit_log WHERE platform = ? AND user_id = ? AND command = ?"
            " AND at > ? AND outcome = ?",
            (platform, user_id, command, since, outcome),
        )
        return int(row[0]) if row else 0
