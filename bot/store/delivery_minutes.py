"""Deliveries counted per platform and minute, for the dashboard's plot.

Written in the transaction that records the outcomes they count (one row
per platform and minute, so a batch of 500 outcomes adds one statement), and
read for the last day without touching the outbox, which may hold millions
of rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.store.connection import Connection

SECONDS_PER_MINUTE = 60
KINDS = ("sent", "failed", "retried", "rate_limited", "paused")


def minute_of(epoch: float) -> int:
    return int(epoch // SECONDS_PER_MINUTE)


@dataclass(frozen=True, slots=True)
class MinuteCounts:
    platform: str
    minute: int
    sent: int
    failed: int
    retried: int
    rate_limited: int
    paused: int


class DeliveryMinuteRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, platform: str, minute: int, counts: Counter[str]) -> None:
        values = [int(counts.get(kind, 0)) for kind in KINDS]
        if not any(values):
            return
        await self._conn.execute(
            "INSERT INTO delivery_minutes (platform, minute, sent, failed, retried,"
            " rate_limited, paused) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(platform, minute) DO UPDATE"
            " SET sent = delivery_minutes.sent + excluded.sent,"
            " failed = delivery_minutes.failed + excluded.failed,"
            " retried = delivery_minutes.retried + excluded.retried,"
            " rate_limited = delivery_minutes.rate_limited + excluded.rate_limited,"
            " paused = delivery_minutes.paused + excluded.paused",
            (platform, minute, *values),
        )

    async def since(self, minute: int) -> list[MinuteCounts]:
        rows = await self._conn.fetchall(
            "SELECT platform, minute, sent, failed, retried, rate_limited, paused"
            " FROM delivery_minutes WHERE minute >= ? ORDER BY platform, minute",
            (minute,),
        )
        return [MinuteCounts(*row) for row in rows]

    async def purge(self, before_minute: int) -> int:
        changed = await self._conn.execute(
            "DELETE FROM delivery_minutes WHERE minute < ?", (before_minute,)
        )
        return changed
