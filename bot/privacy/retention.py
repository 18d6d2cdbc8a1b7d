"""Retention: what the network keeps about people, it keeps only as long as the operator says.

Every hour: alerts older than `[privacy] keep_alerts_days` (with their acks,
tasks and task history), and by the same horizon the tasks and clips that
belong to no alert (counted from when they ended: a clip's file goes with the
last row that points at it), audit rows older than `keep_audit_days`,
one-time codes long expired, and export files older than a day. Like the outbox's own
purge, rows go in small batches, each its own short transaction, so commands
and deliveries never wait behind it; a stop ends it between two batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.archive.storage import remove_files
from bot.config import PrivacySettings
from bot.privacy.exports import purge_exports
from bot.store.database import Database
from bot.store.transaction import Tx

log = logging.getLogger(__name__)

EVERY_SECONDS = 3_600.0
DAY = 86_400.0
CODES_KEPT = DAY
"""Used and expired one-time codes are forgotten a day after they expire."""
BATCH_PAUSE = 0.005


class Retention:
    def __init__(
        self,
        db: Database,
        settings: PrivacySettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.purge()
            except Exception:
                log.exception("retention: purge failed; trying again in an hour")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), EVERY_SECONDS)

    async def purge(self) -> dict[str, int]:
        """One pass; returns what was deleted, by kind."""
        now = self._clock()
        settings = self._settings
        done: dict[str, int] = {}
        if settings.keep_alerts_days:
            before = now - settings.keep_alerts_days * DAY
            done["alerts"] = await self._batches(lambda tx: tx.privacy.purge_alerts(before))
            done["tasks"] = await self._batches(lambda tx: tx.privacy.purge_loose_tasks(before))
            done["clips"] = await self._clips(before)
        if settings.keep_audit_days:
            before = now - settings.keep_audit_days * DAY
            done["audit"] = await self._batches(lambda tx: tx.privacy.purge_audit(before))
        done["codes"] = await self._batches(
            lambda tx: tx.identities.purge_codes(now - CODES_KEPT)
        )
        done["exports"] = await asyncio.to_thread(purge_exports, Path(settings.export_dir), now)
        for kind, number in done.items():
            if number:
                log.info("retention: %d %s deleted", number, kind)
        return done

    async def _clips(self, before: float) -> int:
        """Like `_batches`; each batch's files are deleted once its rows are gone (a crash
        in between leaves orphans, which the archive removes at its next start)."""
        total = 0
        while not self._stopping.is_set():
            async with self._db.transaction() as tx:
                deleted, paths = await tx.privacy.purge_loose_clips(before)
            if paths:
                await asyncio.to_thread(remove_files, paths)
            total += deleted
            if deleted == 0:
                break
            await asyncio.sleep(BATCH_PAUSE)
        return total

    async def _batches(self, step: Callable[[Tx], Awaitable[int]]) -> int:
        total = 0
        while not self._stopping.is_set():
            async with self._db.transaction() as tx:
                deleted = await step(tx)
            total += deleted
            if deleted == 0:
                break
            await asyncio.sleep(BATCH_PAUSE)  # a waiting command gets the lock first
        return total
