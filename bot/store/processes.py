"""The processes sharing a store, and what they share besides rows: rate budgets.

Each process writes a heartbeat row (`processes`): `riposte status` lists them,
`riposte health` checks the ones on its host. A delivery process for a paced
platform holds a share of that platform's overall rate (`delivery_shares`):
the shares of the live processes never add up to more than the platform
allows, and a share given up (or left by a process that died) still counts
for one window after, so that no window ever holds more sends than allowed.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

from bot.domain.rate_shares import ShareState
from bot.store.connection import Connection

STALE_SECONDS = 60.0
"""A process whose heartbeat is older than this is gone (its row is cleared)."""


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    id: str
    roles: tuple[str, ...]
    state: str
    pid: int
    host: str
    started_at: float
    heartbeat_at: float


class ProcessRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def beat(self, process_id: str, roles: tuple[str, ...], state: str) -> None:
        now = time.time()
        await self._conn.execute(
            "INSERT INTO processes (id, roles, state, pid, host, started_at, heartbeat_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " state = excluded.state, heartbeat_at = excluded.heartbeat_at",
            (process_id, ",".join(roles), state, os.getpid(), socket.gethostname(), now, now),
        )
        await self._conn.execute(
            "DELETE FROM processes WHERE heartbeat_at < ?", (now - STALE_SECONDS * 10,)
        )

    async def gone(self, process_id: str) -> None:
        await self._conn.execute("DELETE FROM processes WHERE id = ?", (process_id,))

    async def all(self) -> list[ProcessInfo]:
        rows = await self._conn.fetchall(
            "SELECT id, roles, state, pid, host, started_at, heartbeat_at FROM processes"
            " ORDER BY host, started_at"
        )
        return [
            ProcessInfo(r[0], tuple(filter(None, r[1].split(","))), r[2], r[3], r[4], r[5], r[6])
            for r in rows
        ]

    # --- shares of a platform's rate ---------------------------------------------------

    async def lock_shares(self, platform: str) -> None:
        """One process at a time recomputes a platform's shares (PostgreSQL: a lock held
        until the transaction ends; SQLite: its one writer already is)."""
        if self._conn.dialect.postgres:
            await self._conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(CAST(? AS TEXT)))", (f"shares:{platform}",)
            )

    async def shares(self, platform: str, now: float, window: float) -> list[ShareState]:
        """The platform's live shares; those of processes gone for more than a window are
        deleted first."""
        await self._conn.execute(
            "DELETE FROM delivery_shares WHERE platform = ? AND lease_until < ?",
            (platform, now - window),
        )
        rows = await self._conn.fetchall(
            "SELECT owner, share, wanted, previous, previous_until, lease_until"
            " FROM delivery_shares WHERE platform = ? ORDER BY owner",
            (platform,),
        )
        return [ShareState(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    async def set_share(self, platform: str, share: ShareState) -> None:
        await self._conn.execute(
            "INSERT INTO delivery_shares (platform, owner, share, wanted, previous,"
            " previous_until, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, owner) DO UPDATE SET share = excluded.share,"
            " wanted = excluded.wanted, previous = excluded.previous,"
            " previous_until = excluded.previous_until, lease_until = excluded.lease_until",
            (
                platform,
                share.owner,
                share.share,
                share.wanted,
                share.previous,
                share.previous_until,
                share.lease_until,
            ),
        )

    async def drop_share(self, platform: str, owner: str, counted_until: float) -> None:
        """Stopping: the share ends, but still counts until the sends it allowed are out of
        every window (`counted_until`)."""
        await self._conn.execute(
            "UPDATE delivery_shares SET previous = CASE WHEN share > previous THEN share"
            " ELSE previous END, share = 0, wanted = 0, previous_until = ?, lease_until = ?"
            " WHERE platform = ? AND owner = ?",
            (counted_until, counted_until, platform, owner),
        )
