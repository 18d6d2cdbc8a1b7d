"""The delivery engine: one worker per platform, so one platform's outage never slows another."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Mapping

from bot.delivery.worker import (
    LEASE_SECONDS,
    MAX_RATE_LIMITED,
    STOP_GRACE_SECONDS,
    PlatformWorker,
)
from bot.redaction import redact as redact_patterns
from bot.store.database import Database
from bot.store.delivery_minutes import minute_of
from bot.transports.base import Transport

log = logging.getLogger(__name__)

STATUS_LOG_SECONDS = 60.0
PURGE_EVERY_SECONDS = 3_600.0
PURGE_BATCH = 500
"""Rows deleted per transaction: each batch holds the writer lock a few milliseconds."""


class DeliveryEngine:
    def __init__(
        self,
        db: Database,
        transports: Mapping[str, Transport],
        clock: Callable[[], float] = time.time,
        keep_days: float = 0.0,
        *,
        owner: str | None = None,
        redact: Callable[[str], str] = redact_patterns,
        max_rate_limited: int = MAX_RATE_LIMITED,
        lease_seconds: float = LEASE_SECONDS,
        shared: bool = False,
    ) -> None:
        """`shared`: other processes deliver from the same store (PostgreSQL): rates and
        rooms are shared with them, expired leases are theirs to take back too."""
        self._db = db
        self._clock = clock
        self._keep_seconds = keep_days * 86_400
        self.owner = owner or uuid.uuid4().hex[:12]
        """Whose leases this engine's claims are (one id per running process)."""
        self.workers = {
            name: PlatformWorker(
                db,
                t,
                clock,
                owner=self.owner,
                redact=redact,
                max_rate_limited=max_rate_limited,
                lease_seconds=lease_seconds,
                shared=shared,
            )
            for name, t in transports.items()
        }
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        for worker in self.workers.values():
            worker.wake()

    async def recover(self) -> int:
        """At start: claims of a previous process go back to the queue.

        Only call this while holding the database's instance lock: it is what
        proves their holder is gone, whatever `lease_until` says. Sends that had
        started may repeat; parts already recorded as out do not.
        """
        async with self._db.transaction() as tx:
            released = await tx.outbox.release_all_leases(except_owner=self.owner)
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

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop claiming; sends in flight get `grace` seconds, then are given back."""
        self._stopping.set()
        for worker in self.workers.values():
            worker.stop(grace)

    async def purge(self) -> int:
        """Delete finished rows past the retention, in small batches that yield to commands
        and end at once when the engine stops (the next run goes on)."""
        total = 0
        before = self._clock() - self._keep_seconds
        async with self._db.transaction() as tx:
            # The per-minute counts follow the rows they count (a day at least, for the plot).
            await tx.delivery_minutes.purge(minute_of(min(before, self._clock() - 86_400)))
        while not self._stopping.is_set():
            async with self._db.transaction() as tx:
                deleted = await tx.outbox.purge(before, PURGE_BATCH)
            total += deleted
            if deleted == 0:
                break
            if total == deleted:
                log.info("deleting delivered outbox rows older than %s days", self._keep_days)
            await asyncio.sleep(0.005)  # a waiting command or delivery gets the lock first
        if total:
            log.info(
                "deleted %d delivered outbox rows older than %s days%s",
                total,
                self._keep_days,
                " (stopped early)" if self._stopping.is_set() else "",
            )
        return total

    @property
    def _keep_days(self) -> str:
        return f"{self._keep_seconds / 86_400:g}"

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
                        worker.sent,
                        worker.failed,
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
