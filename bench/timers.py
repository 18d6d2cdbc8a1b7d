"""Durable timers: re-arming 10,000 pending rows at start, and how late a due step fires.

1. 10,000 pending timers, all due within the next hour, each at its own time (so
   each becomes an APScheduler job): time from the service's start to every one
   armed. Then the same with 10,000 timers due at one instant (a 07:00 digest).
2. With those armed, 30 alerts each come with a task whose first escalation step
   ("remind rooms") is due one second after it opens: how long after its due time
   each step's timer fired, and when its reminder reached the (instant) transport.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bot.commands import CommandDispatcher, Registry
from bot.config import AlertsSettings, NetworkSettings, Settings
from bot.delivery import DeliveryEngine
from bot.domain import IncomingMessage, OutgoingMessage, SentRef, Target
from bot.domain.escalation import Escalation, Step, StepAction
from bot.domain.timers import Firing
from bot.scheduler import TimerService
from bot.store import Database, Tx
from bot.tasks import TaskSetup, TaskTimers
from handlers import ROUTERS
from tests.fakes.recording_transport import RecordingTransport

PENDING = 10_000
ALERTS = 30
STEP_AFTER = 1.0


class TimedTransport(RecordingTransport):
    """Records when each reminder arrived."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.reminders: list[float] = []
        self.expected = expected
        self.all_arrived = asyncio.Event()

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        if message.text.startswith("⏰") and target.address == "#room":
            self.reminders.append(time.time())
            if len(self.reminders) >= self.expected:
                self.all_arrived.set()
        return await super().send(target, message)


async def _noop(tx: Tx, firing: Firing) -> None:
    return None


async def _fill(db: Database, count: int, *, together: bool = False) -> None:
    now = time.time()
    async with db.transaction() as tx:
        for i in range(count):
            # Within the hour; none falls due during the measurement.
            due = now + 600 + (0 if together else 3000 * i / count)
            await tx.timers.add("bench.noop", f"bench:{i}", due)


async def _rearm_together(path: Path) -> tuple[float, int]:
    """10,000 timers due at the same instant: start to armed, and the jobs it took."""
    async with Database.open(path) as db:
        await db.migrate()
        await _fill(db, PENDING, together=True)
        timers = TimerService(db)
        timers.register("bench.noop", _noop)
        started = time.perf_counter()
        running = asyncio.create_task(timers.run())
        await timers.armed_event.wait()
        elapsed = time.perf_counter() - started
        jobs = timers.jobs
        timers.stop()
        await running
    return elapsed, jobs


async def _run(path: Path) -> tuple[float, int, list[float]]:
    admins = frozenset({"fake:admin"})
    async with Database.open(path, admins) as db:
        await db.migrate()
        await _fill(db, PENDING)
        transport = TimedTransport(ALERTS)
        engine = DeliveryEngine(db, {"fake": transport})
        settings = Settings(
            source=path.with_suffix(".toml"),
            network=NetworkSettings(admins=tuple(admins)),
            alerts=AlertsSettings(auto_tasks=("rebuttal",)),
            escalation=Escalation(steps=(Step(STEP_AFTER, StepAction.REMIND_ROOMS),)),
        )
        limits = {"fake": transport.limits}
        timers = TimerService(db, on_commit=engine.wake)
        TaskTimers(TaskSetup(settings, limits)).register(timers)
        timers.register("bench.noop", _noop)
        delivering = asyncio.create_task(engine.run())
        started = time.perf_counter()
        running = asyncio.create_task(timers.run())
        await timers.armed_event.wait()
        rearm = time.perf_counter() - started
        armed = timers.armed

        def on_commit() -> None:
            engine.wake()
            timers.wake()

        dispatcher = CommandDispatcher(db, Registry(ROUTERS), settings, limits, on_commit=on_commit)
        await dispatcher.handle(IncomingMessage("fake", "#room", "admin", "admin", "/link", False))
        for i in range(ALERTS):
            text = f"/alert Le député n°{i} ment"
            await dispatcher.handle(
                IncomingMessage("fake", "#origin", "admin", "admin", text, False)
            )
            await asyncio.sleep(0.03)
        await asyncio.wait_for(transport.all_arrived.wait(), 60)
        timers.stop()
        engine.stop()
        await running
        await delivering
    return rearm, armed, transport.reminders


def _steps(path: Path) -> list[tuple[float, float]]:
    """(due, fired) of every escalation step, in due order."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT due_at, fired_at FROM timers WHERE kind = 'task.escalate' AND state = 'fired'"
            " ORDER BY due_at"
        ).fetchall()
    finally:
        conn.close()
    return [(float(r[0]), float(r[1])) for r in rows]


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "timers.db"
        rearm, armed, arrivals = await _run(path)
        steps = _steps(path)
        together, jobs = await _rearm_together(Path(tmp) / "digests.db")
    fired = [at - due for due, at in steps]
    # One reminder per alert in #room, arriving in the order the steps fell due.
    delivered = [at - due for at, (due, _) in zip(sorted(arrivals), steps, strict=True)]
    print(f"{'measure':<54} {'result':>12} {'goal':>10}")
    print(f"{f're-arm {PENDING:,} pending timers at start':<54} {rearm:>10.3f} s {'< 1 s':>10}")
    print(f"{'  timers armed, one APScheduler job each':<54} {armed:>12,}")
    print(
        f"{f're-arm {PENDING:,} timers due at one instant':<54} {together:>10.3f} s {'< 1 s':>10}"
    )
    print(f"{'  APScheduler jobs':<54} {jobs:>12,}")
    print(
        f"{'escalation step: timer fired after due time, max':<54} "
        f"{max(fired):>10.3f} s {'<= 2 s':>10}"
    )
    print(f"{f'  median over {len(fired)} steps':<54} {statistics.median(fired):>10.3f} s")
    print(
        f"{'  reminder at the transport after due time, max':<54} "
        f"{max(delivered):>10.3f} s {'<= 2 s':>10}"
    )
