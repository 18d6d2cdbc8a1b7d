"""`claim` under load: how long a claim takes (command in, reply committed) while a
151,000-delivery fan-out drains.

The alert (150,000 subscribers, 1,000 rooms, `auto_tasks = clip, rebuttal`) is
raised, the engine starts draining to instant transports, and members take, let go
of and ack its tasks every 25 ms. Each change edits the 1,000 room copies of the
alert (a second later, once per burst, through the timer service). Latencies are
measured at the dispatcher, so they include waiting for the single writer that the
engine's own bookkeeping holds; `/ack` under the same load is the yardstick.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.fanout import ROOMS, populate
from bot.commands import CommandDispatcher, Registry
from bot.config import AlertsSettings, NetworkSettings, Settings
from bot.delivery import DeliveryEngine
from bot.domain import IncomingMessage, OutgoingMessage, SentRef, Target
from bot.scheduler import TimerService
from bot.store import Database
from bot.tasks import TaskSetup, TaskTimers
from handlers import ROUTERS
from tests.fakes.recording_transport import LIMITS, RecordingTransport

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "150000"))
INTERVAL = 0.025
MAX_OPERATIONS = 400
ADMIN = "admin"


class CountingTransport(RecordingTransport):
    """Says when the fan-out's original deliveries have all been sent (edits are apart)."""

    def __init__(self, platform: str, sent_enough: asyncio.Event, shared: list[int]) -> None:
        super().__init__(platform=platform, limits=LIMITS)
        self._sent_enough = sent_enough
        self._shared = shared  # [sent so far across transports, deliveries to wait for]

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        ref = await super().send(target, message)
        self._shared[0] += 1
        if self._shared[1] and self._shared[0] >= self._shared[1]:
            self._sent_enough.set()
        return ref


def _message(user: str, text: str) -> IncomingMessage:
    return IncomingMessage("console", "#origin", user, user, text, False)


async def _timed(dispatcher: CommandDispatcher, user: str, text: str) -> float:
    started = time.perf_counter()
    await dispatcher.handle(_message(user, text))
    return time.perf_counter() - started


async def _operations(
    dispatcher: CommandDispatcher, tasks: tuple[str, str], until: asyncio.Event
) -> tuple[list[float], list[float]]:
    """Claim, drop and ack in turn, each by another member; returns the claim and the
    ack latencies (seconds): `/ack` is the yardstick of an interactive command."""
    claims: list[float] = []
    acks: list[float] = []
    member = 0
    while not until.is_set() and len(claims) < MAX_OPERATIONS:
        # Members whose home is the console: ids 1000 + i for i a multiple of 3.
        user = str(1000 + 3 * member)
        member += 1
        task = tasks[member % 2]
        claims.append(await _timed(dispatcher, user, f"/claim {task}"))
        await asyncio.sleep(INTERVAL)
        await dispatcher.handle(_message(user, f"/drop {task}"))
        await asyncio.sleep(INTERVAL)
        acks.append(await _timed(dispatcher, user, "/ack A1"))
        await asyncio.sleep(INTERVAL)
    return claims, acks


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _measure(path: Path) -> dict[str, float]:
    async with Database.open(path, frozenset({f"console:{ADMIN}"})) as db:
        drained = asyncio.Event()
        counts = [0, 0]
        transports = {
            name: CountingTransport(name, drained, counts) for name in ("console", "telegram")
        }
        engine = DeliveryEngine(db, transports)
        settings = Settings(
            source=path.with_suffix(".toml"),
            network=NetworkSettings(admins=(f"console:{ADMIN}",)),
            alerts=AlertsSettings(auto_tasks=("clip", "rebuttal")),
        )
        limits = {name: LIMITS for name in transports}
        timers = TimerService(db, on_commit=engine.wake)
        TaskTimers(TaskSetup(settings, limits)).register(timers)
        timing = asyncio.create_task(timers.run())

        def on_commit() -> None:
            engine.wake()
            timers.wake()

        dispatcher = CommandDispatcher(db, Registry(ROUTERS), settings, limits, on_commit=on_commit)
        started = time.perf_counter()
        await dispatcher.handle(_message(ADMIN, "/alert Le député X ment #retraites"))
        enqueued = time.perf_counter() - started
        async with db.transaction() as tx:
            counts[1] = await tx.outbox.busy_count(list(transports), 1e12)
        draining = asyncio.create_task(engine.run())
        engine.wake()
        operations = asyncio.create_task(_operations(dispatcher, ("T1", "T2"), drained))
        drain_started = time.perf_counter()
        await asyncio.wait_for(drained.wait(), 900)
        drain = time.perf_counter() - drain_started
        claims, acks = await operations
        assert await engine.wait_idle(900)
        idle = await _quiet_claims(dispatcher, engine)
        timers.stop()
        await timing
        engine.stop()
        await draining
        sent = sum(len(t.sent) for t in transports.values())
        edits = sum(len(t.edits) for t in transports.values())
    return {
        "enqueue": enqueued,
        "drain": drain,
        "rows": counts[1],
        "sent": sent,
        "edits": edits,
        "claims": len(claims),
        "p50": statistics.median(claims),
        "p99": _percentile(claims, 0.99),
        "max": max(claims),
        "idle_p99": _percentile(idle, 0.99),
        "ack_p99": _percentile(acks, 0.99),
    }


async def _quiet_claims(dispatcher: CommandDispatcher, engine: DeliveryEngine) -> list[float]:
    """The same claims once the fan-out is delivered, for comparison."""
    latencies: list[float] = []
    for i in range(50):
        user = str(1000 + 3 * (MAX_OPERATIONS + i))
        started = time.perf_counter()
        await dispatcher.handle(_message(user, "/claim T1"))
        latencies.append(time.perf_counter() - started)
        await dispatcher.handle(_message(user, "/drop T1"))
        assert await engine.wait_idle(60)
    return latencies


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "claims.db"
        async with Database.open(path) as db:
            await db.migrate()
        populate(path, MEMBERS, ROOMS)
        result = await _measure(path)
    ms = 1000.0
    print(f"{'measure':<56} {'result':>12} {'goal':>10}")
    print(f"{'alert with 2 auto tasks: rows committed':<56} {result['enqueue']:>10.2f} s")
    print(f"{'  deliveries of the fan-out':<56} {int(result['rows']):>12,}")
    print(f"{'  drained in (while claims edit the room copies)':<56} {result['drain']:>10.1f} s")
    print(f"{'  alert copies edited for the claims':<56} {int(result['edits']):>12,}")
    claims = f"claim during the drain, p99 ({int(result['claims'])} claims)"
    print(f"{claims:<56} {result['p99'] * ms:>9.1f} ms {'<= 100 ms':>10}")
    print(f"{'  p50':<56} {result['p50'] * ms:>9.1f} ms")
    print(f"{'  max':<56} {result['max'] * ms:>9.1f} ms")
    print(f"{'/ack during the drain, p99 (for comparison)':<56} {result['ack_p99'] * ms:>9.1f} ms")
    quiet = "claim once the fan-out is delivered, p99 (for comparison)"
    print(f"{quiet:<56} {result['idle_p99'] * ms:>9.1f} ms")
