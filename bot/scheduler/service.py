"""The timer service: APScheduler jobs armed from the `timers` rows, fired one at a time.

APScheduler (3.x, `AsyncIOScheduler`) keeps the time; the rows keep the
truth. Only timers due within `horizon` are armed as jobs (a refill job arms
the next ones), so a table of a million future digests costs no memory and
starting stays fast; timers due at the same instant (the digests of 07:00)
share one job. A job only queues its timers' ids; one loop fires the
queue in due order, each timer in its own transaction, so a slow handler
delays the others but never runs beside them, and stopping waits for at most
the one in progress.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain.timers import Firing
from bot.scheduler.timers import TimerHandler
from bot.store.database import Database

log = logging.getLogger(__name__)

HORIZON_SECONDS = 3_600.0
"""Timers due within this are APScheduler jobs; later ones wait in the table."""
REFILL_SECONDS = 600.0
"""How often the next horizon is armed (well within HORIZON_SECONDS)."""
MAX_ATTEMPTS = 5
KEEP_SECONDS = 30 * 86_400.0
"""Fired and cancelled timers are forgotten after this (task history keeps what matters)."""
EARLY_TOLERANCE = 0.01
"""A job may run this much before its row's due time (float rounding of datetimes)."""


def retry_delay(attempts: int) -> float:
    """After a failed attempt: 5 s, 10 s, 20 s… capped at 10 minutes, with jitter."""
    base = min(600.0, 5.0 * 2.0 ** max(attempts - 1, 0))
    return base / 2 + random.random() * base / 2


class TimerService:
    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], float] = time.time,
        horizon: float = HORIZON_SECONDS,
        refill_every: float = REFILL_SECONDS,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._horizon = horizon
        self._refill_every = refill_every
        self._on_commit = on_commit
        self._handlers: dict[str, TimerHandler] = {}
        self._scheduler: AsyncIOScheduler | None = None
        self._armed: dict[int, float] = {}
        self._groups: dict[float, set[int]] = {}
        """Armed timers by due time: timers due at the same instant share one job."""
        self._ready: list[tuple[float, int]] = []
        self._armed_until = 0.0
        self._last_id = 0
        self._signal = asyncio.Event()
        self._refill_wanted = True
        self._new_rows_wanted = False
        self._stopping = False
        self.armed_event = asyncio.Event()
        """Set once the first horizon is armed (benchmarks and tests wait on it)."""
        self.fired = 0

    # --- registration and control --------------------------------------------------------

    def register(self, kind: str, handler: TimerHandler) -> None:
        """The function that fires timers of `kind`. One per kind, registered before `run`."""
        if kind in self._handlers:
            raise ValueError(f"timer kind {kind!r} registered twice")
        self._handlers[kind] = handler

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def wake(self) -> None:
        """Rows may have been added (call after a commit): arm those due soon."""
        self._new_rows_wanted = True
        self._signal.set()

    def stop(self) -> None:
        self._stopping = True
        self._signal.set()

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def armed(self) -> int:
        """Timers armed (due within the horizon, waiting for their time)."""
        return len(self._armed)

    @property
    def jobs(self) -> int:
        """APScheduler jobs holding them: one per distinct due time."""
        return len(self._groups)

    # --- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        scheduler.add_job(
            self._want_refill, IntervalTrigger(seconds=self._refill_every), id="timers-refill"
        )
        scheduler.start()
        self._scheduler = scheduler
        self._signal.set()
        try:
            while True:
                await self._signal.wait()
                self._signal.clear()
                if self.stopping:
                    break
                if self._refill_wanted:
                    self._refill_wanted = False
                    await self._refill()
                    self.armed_event.set()
                if self._new_rows_wanted:
                    self._new_rows_wanted = False
                    await self._arm_new()
                while self._ready and not self.stopping:
                    _, timer_id = heapq.heappop(self._ready)
                    await self._fire(timer_id)
        finally:
            self._scheduler = None
            scheduler.shutdown(wait=False)
            self._armed.clear()
            self._groups.clear()

    async def _want_refill(self) -> None:
        self._refill_wanted = True
        self._signal.set()

    async def _on_due(self, due_at: float) -> None:
        """The APScheduler job of one due time: queue its timers for the loop."""
        for timer_id in self._groups.pop(due_at, ()):
            if self._armed.pop(timer_id, None) is not None:
                heapq.heappush(self._ready, (due_at, timer_id))
        self._signal.set()

    def _arm(self, timer_id: int, due_at: float) -> None:
        if self._scheduler is None or timer_id in self._armed:
            return
        self._armed[timer_id] = due_at
        group = self._groups.get(due_at)
        if group is not None:
            group.add(timer_id)  # the digests of 07:00 are one job, not 10,000
            return
        self._groups[due_at] = {timer_id}
        self._scheduler.add_job(
            self._on_due,
            DateTrigger(run_date=datetime.fromtimestamp(due_at, UTC)),
            args=(due_at,),
            id=f"due-{due_at!r}",
            replace_existing=True,
        )

    async def _refill(self) -> None:
        """Arm every pending timer due within the horizon; late ones run at once."""
        now = self._clock()
        until = now + self._horizon
        async with self._db.transaction() as tx:
            rows = await tx.timers.due_by(until)
            last_id = await tx.timers.last_id()
            purged = await tx.timers.purge(now - KEEP_SECONDS)
        scheduler = self._scheduler
        if scheduler is not None and rows:
            # One wake-up for the batch instead of one per job.
            scheduler.pause()
            try:
                for timer_id, due_at in rows:
                    self._arm(timer_id, due_at)
            finally:
                scheduler.resume()
        self._armed_until = until
        self._last_id = max(self._last_id, last_id)
        late = sum(1 for _, due_at in rows if due_at < now)
        if rows:
            log.info("timers: %d armed (%d late) until %s", len(rows), late, _hhmm(until))
        if purged:
            log.info("timers: %d finished timers forgotten", purged)

    async def _arm_new(self) -> None:
        async with self._db.transaction() as tx:
            rows = await tx.timers.added_since(self._last_id)
        for timer_id, due_at in rows:
            self._last_id = max(self._last_id, timer_id)
            if due_at <= self._armed_until:
                self._arm(timer_id, due_at)

    # --- firing --------------------------------------------------------------------------

    async def _fire(self, timer_id: int) -> bool:
        """Run one due timer's handler; True if it fired (now, and never again)."""
        now = self._clock()
        firing: Firing | None = None
        try:
            async with self._db.transaction() as tx:
                timer = await tx.timers.take(timer_id, now, EARLY_TOLERANCE)
                if timer is None:
                    return False  # cancelled, fired already, or not due (rescheduled)
                firing = Firing(timer, now)
                handler = self._handlers.get(timer.kind)
                if handler is None:
                    log.error("timer %d: no handler for kind %r; given up", timer_id, timer.kind)
                    await tx.timers.give_up(timer_id, f"no handler for kind {timer.kind!r}")
                    return False
                await handler(tx, firing)
        except Exception as error:
            await self._failed(timer_id, firing, now, error)
            return False
        self.fired += 1
        timer = firing.timer
        if firing.late_by > 1.0:
            log.info(
                "timer %d (%s %s) fired %.0fs late",
                timer.id,
                timer.kind,
                timer.subject,
                firing.late_by,
            )
        else:
            log.debug("timer %d (%s %s) fired", timer.id, timer.kind, timer.subject)
        self._on_commit()
        self.wake()  # the handler may have promised further timers
        return True

    async def _failed(
        self, timer_id: int, firing: Firing | None, now: float, error: Exception
    ) -> None:
        attempts = (firing.timer.attempts if firing else 0) or 1
        kind = firing.timer.kind if firing else "?"
        log.error(
            "timer %d (%s) failed, attempt %d of %d: %r",
            timer_id,
            kind,
            attempts,
            MAX_ATTEMPTS,
            error,
            exc_info=error,
        )
        again = now + retry_delay(attempts)
        async with self._db.transaction() as tx:
            stays = await tx.timers.postpone(timer_id, again, repr(error), MAX_ATTEMPTS)
        if stays and again <= self._armed_until:
            self._arm(timer_id, again)
        elif not stays:
            log.error("timer %d (%s) given up after %d attempts", timer_id, kind, MAX_ATTEMPTS)

    async def fire_due(self) -> int:
        """Fire every timer due by the clock now, in due order; returns how many fired.

        Tests drive a clock of their own with this instead of waiting; a timer a
        handler promises for now is fired too.
        """
        fired = 0
        for _ in range(100):
            async with self._db.transaction() as tx:
                due = await tx.timers.due_by(self._clock())
            progressed = [await self._fire(timer_id) for timer_id, _ in due]
            fired += sum(progressed)
            if not any(progressed):
                break
        return fired

    async def settle(self, window: float) -> int:
        """Fire the timers that fall due within `window` seconds, as each falls due.

        The console's end of input waits for this, so the edits its last
        commands promised (a second later) happen before the exit.
        """
        until = self._clock() + window
        fired = 0
        while not self._stopping:
            fired += await self.fire_due()
            async with self._db.transaction() as tx:
                upcoming = await tx.timers.due_by(until, limit=1)
            if not upcoming or self._clock() > until:
                break
            await asyncio.sleep(max(0.01, upcoming[0][1] - self._clock()))
        return fired


def _hhmm(epoch: float) -> str:
    return time.strftime("%H:%M", time.localtime(epoch))
