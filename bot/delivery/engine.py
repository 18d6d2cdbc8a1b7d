"""The delivery engine: one worker per platform, so one platform's outage never slows another."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping

from bot.delivery.worker import PlatformWorker
from bot.store.database import Database
from bot.transports.base import Transport

log = logging.getLogger(__name__)

STATUS_LOG_SECONDS = 60.0
PURGE_EVERY_SECONDS = 3_600.0


class DeliveryEngine:
    def __init__(
        self,
        db: Database,
        transports: Mapping[str, Transport],
        clock: Callable[[], float] = time.time,
        keep_days: float = 0.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._keep_seconds = keep_days * 86_400
        self.workers = {name: PlatformWorker(db, t, clock) for name, t in transports.items()}
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        for worker in self.workers.values():
            worker.wake()

    async def recover(self) -> int:
        """Rows a dead process had claimed go back to the queue (in-flight ones may repeat)."""
        async with self._db.transaction() as tx:
            released = await tx.outbox.release_all_leases()
        if released:
            log.warning("requeued %d deliveries claimed by the previous run", released)
        return released

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            for name, worker in self.workers.items():
                group.create_task(worker.run(), name=f"delivery-{name}")
            group.create_task(self._log_status(), name="delivery-status")
            if self._keep_seconds:
                group.create_task(self._purge_old_rows(), name="delivery-purge")

    def stop(self) -> None:
        self._stopping.set()
        for worker in self.workers.values():
            worker.stop()

    async def purge(self) -> int:
        """Delete finished rows past the retention, in batches so commands never wait long."""
        total = 0
        while True:
            async with self._db.transaction() as tx:
                deleted = await tx.outbox.purge(self._clock() - self._keep_seconds)
            total += deleted
            if deleted == 0:
                break
            await asyncio.sleep(0)
        if total:
            log.info(
                "deleted %d delivered outbox rows older than %.0f days",
                total,
                self._keep_seconds / 86_400,
            )
        return total

    async def _purge_old_rows(self) -> None:
        while not self._stopping.is_set():
            await self.purge()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), PURGE_EVERY_SECONDS)

    async def _log_status(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), STATUS_LOG_SECONDS)
            for name, worker in self.workers.items():
                s = worker.stats
                if s.buffered or s.in_flight or worker.paused_for:
                    log.info(
                        "delivery %s: %d claimed, %d in flight, %d sent, %d failed, "
                        "%d rate-limited, paused %.0fs",
                        name,
                        s.buffered,
                        s.in_flight,
                        s.sent,
                        s.failed,
                        s.rate_limited,
                        worker.paused_for,
                    )

    async def wait_idle(self, timeout: float, platforms: tuple[str, ...] | None = None) -> bool:
        """Wait until nothing is in flight or due before the deadline on these platforms.

        Rows scheduled past the deadline (a retry much later, a reminder
        tomorrow) are not waited for: they are not pending deliveries yet.
        """
        deadline = time.monotonic() + timeout
        names = tuple(self.workers) if platforms is None else platforms
        pause = 0.005
        while True:
            busy_workers = [
                n for n in names if n in self.workers and not self.workers[n].looks_idle
            ]
            if busy_workers and time.monotonic() < deadline:
                # Ask the workers, not the database: counting a big table is not free.
                await asyncio.sleep(pause)
                pause = min(0.05, pause * 1.5)
                continue
            async with self._db.transaction() as tx:
                busy = await tx.outbox.busy_count(names, self._clock() + timeout)
            if busy == 0:
                return True
            if time.monotonic() >= deadline:
                log.warning("%d deliveries still pending after %.1fs", busy, timeout)
                return False
            await asyncio.sleep(pause)
            pause = min(0.2, pause * 1.5)  # quick for a console line, light for a big drain
