"""The highest update a platform numbered that the bot has handled, per platform.

Telegram numbers its updates (`update_id`) and forgets them once the bot asks
for the next ones; a stop that cuts that last request short (a slow Bot API
gets 2 s) leaves them on the server, and the next start receives them again.
Recording the highest handled number in the transaction of the command it
started lets the dispatcher skip such an update: the command ran once.

Telegram keeps an update at most 24 hours, and may restart its numbering
after a week without updates, so a mark older than `MARK_LIFETIME` skips
nothing.

The marks live in `received_updates`, one row per platform.
"""

from __future__ import annotations

import time

from bot.store.connection import Connection

MARK_LIFETIME = 24 * 3600.0
"""How long Telegram keeps an update the bot did not confirm."""



class ReceivedRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def handled(self, platform: str, update_id: int, now: float | None = None) -> bool:
        """True when `update_id` is at or below the platform's mark (it was handled);
        otherwise the mark moves up to it, in the caller's transaction."""
        now = time.time() if now is None else now
        row = await self._conn.fetchone(
            "SELECT last_id, marked_at FROM received_updates WHERE platform = ?",
            (platform,),
        )
        if row is not None:
            mark, marked_at = int(row[0]), float(row[1])
            if now - marked_at < MARK_LIFETIME and update_id <= mark:
                return True
        await self._conn.execute(
            "INSERT INTO received_updates (platform, last_id, marked_at) VALUES (?, ?, ?)"
            " ON CONFLICT(platform) DO UPDATE SET last_id = excluded.last_id,"
            " marked_at = excluded.marked_at",
            (platform, update_id, now),
        )
        return False
