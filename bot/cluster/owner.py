"""One owner of the platform connections per store, and hot standbys.

Telegram polling, the Discord gateway session and the IRC connection each take
one owner: two processes polling Telegram would each get half of the updates.
On PostgreSQL the owner holds a session advisory lock on a connection of its
own. A second `riposte run` (or `--only transports,commands`) waits for that
lock as a hot standby, its other roles already working, and takes over within
`RETRY_SECONDS` of the owner's death: PostgreSQL drops a session's locks when
its connection closes, which the kernel does at once for a killed process (a
host that vanishes is noticed by TCP keepalives; see the README).

An owner that loses its lock's connection can no longer prove it is the only
one: it stops at once (exit status 1), and its service manager starts it again
as a standby.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from bot.store.postgres import OWNER_LOCK, PostgresDatabase

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
WATCH_SECONDS = 2.0
WATCH_TIMEOUT = 5.0


class OwnerLock:
    def __init__(self, db: PostgresDatabase, on_lost: Callable[[], None]) -> None:
        self._db = db
        self._on_lost = on_lost
        self._conn: Any = None
        self._watch: asyncio.Task[None] | None = None

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait (a standby) until this process owns the connections; False if stopped first."""
        told = False
        while not stop.is_set():
            try:
                if self._conn is None or self._conn.is_closed():
                    self._conn = await self._db.connect("riposte owner")
                if await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", OWNER_LOCK):
                    self._watch = asyncio.create_task(self._watching(), name="owner-lock")
                    return True
            except Exception as error:
                log.warning("owner lock: %s; retrying", error)
                await self._close()
            if not told:
                log.info("another process owns the platform connections: standing by")
                told = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY_SECONDS)
        await self._close()
        return False

    async def _watching(self) -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                await asyncio.wait_for(self._conn.fetchval("SELECT 1"), WATCH_TIMEOUT)
            except Exception as error:
                log.error("owner lock lost (%s): stopping; a standby takes over", error)
                self._on_lost()
                return

    async def release(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)
