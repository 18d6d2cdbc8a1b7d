"""Fan-out benchmark: enqueue 151,000 deliveries for one alert, then drain them.

Also measured: the outbox's size per delivery (table, indexes and payloads, as
SQLite's dbstat counts pages), how fast `/ack`, `/alerts` and `/me` are
answered (handled to reply committed) while such a fan-out drains, and while
that alert is cancelled (half its copies sent, so edited; half still queued,
so rewritten).

Each measurement runs in its own subprocess so that peak memory (RSS) is the
measured step's own. Prints one table. Figures, not pass/fail.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.commands import CommandDispatcher, Registry
from bot.config import NetworkSettings, Settings
from bot.delivery import DeliveryEngine
from bot.domain import IncomingMessage, OutgoingMessage, SentRef, Target
from bot.scheduler import TimerService
from bot.store import Database
from bot.tasks import TaskSetup, TaskTimers
from bot.transports.base import Inbox
from handlers import ROUTERS
from tests.fakes.recording_transport import LIMITS

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "150000"))
ROOMS = 1_000
COMMAND_PAUSE = 0.03
"""Seconds between two interactive commands while the fan-out drains."""


class InstantTransport:
    """Answers every send at once and only counts: the engine is measured, not a fake's
    memory (a list of 151,000 sent messages would make every garbage collection slow)."""

    limits = LIMITS
    bot_username = None

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.sent = 0

    async def start(self, inbox: Inbox) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        self.sent += 1
        return SentRef(self.platform, target.address, (str(self.sent),))

    async def edit(self, ref: SentRef, message: OutgoingMessage) -> None: ...


def populate(path: Path, members: int, rooms: int) -> None:
    """Bulk setup straight in SQLite: the benchmark measures the alert, not the import."""
    conn = sqlite3.connect(path)
    now = time.time()
    with conn:
        conn.executemany(
            "INSERT INTO rooms (id, platform, chat_id, title, linked_at) VALUES (?, ?, ?, ?, ?)",
            [
                (i + 1, "telegram" if i % 2 else "console", f"-100{i}", f"room {i}", now)
                for i in range(rooms)
            ],
        )
        conn.executemany(
            "INSERT INTO room_tags (room_id, tag) VALUES (?, ?)",
            [(i + 1, "national") for i in range(rooms)],
        )
        conn.executemany(
            "INSERT INTO members (id, display_name, lang, joined, home_platform, created_at)"
            " VALUES (?, ?, ?, 1, ?, ?)",
            [
                (
                    i + 2,
                    f"m{i}",
                    "en" if i % 5 == 0 else None,
                    "telegram" if i % 3 else "console",
                    now,
                )
                for i in range(members)
            ],
        )
        conn.executemany(
            "INSERT INTO identities (platform, user_id, member_id, display_name, dm_reachable)"
            " VALUES (?, ?, ?, ?, 1)",
            [
                ("telegram" if i % 3 else "console", str(1000 + i), i + 2, f"m{i}")
                for i in range(members)
            ],
        )
        conn.executemany(
            "INSERT INTO subscriptions (member_id, tag) VALUES (?, ?)",
            [(i + 2, "retraites" if i % 2 else "national") for i in range(members)],
        )
    conn.close()


async def _prepare(path: Path) -> None:
    async with Database.open(path) as db:
        await db.migrate()
    populate(path, MEMBERS, ROOMS)


def outbox_bytes(path: Path) -> int:
    """Pages of the outbox, its indexes and its payloads (dbstat: what is on disk)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (size,) = conn.execute(
            "SELECT SUM(pgsize) FROM dbstat WHERE name IN"
            " (SELECT name FROM sqlite_master WHERE tbl_name IN ('outbox', 'outbox_payloads'))"
        ).fetchone()
        return int(size or 0)
    finally:
        conn.close()


def _dispatcher(db: Database, path: Path) -> CommandDispatcher:
    limits = {"console": LIMITS, "telegram": LIMITS}
    settings = Settings(source=path, network=NetworkSettings(admins=("console:admin",)))
    return CommandDispatcher(db, Registry(ROUTERS), settings, limits)


def _said(text: str) -> IncomingMessage:
    return IncomingMessage("console", "#origin", "admin", "admin", text, False)


# A long alert, as in the field: the payload is what used to be copied into each row.
ALERT = "/alert Député X ment sur France 2 " + "et il continue, chiffres faux à l'appui. " * 40


async def measure_enqueue(path: Path) -> dict[str, float]:
    before = outbox_bytes(path)
    async with Database.open(path, frozenset({"console:admin"})) as db:
        dispatcher = _dispatcher(db, path)
        started = time.perf_counter()
        await dispatcher.handle(_said(ALERT + " #retraites"))
        elapsed = time.perf_counter() - started
        async with db.transaction() as tx:
            rows = await tx.outbox.busy_count(["console", "telegram"], 1e12)
    return {"rows": rows, "seconds": elapsed, "bytes": outbox_bytes(path) - before}


async def measure_drain(path: Path) -> dict[str, float]:
    async with Database.open(path) as db:
        instant = {name: InstantTransport(name) for name in ("console", "telegram")}
        engine = DeliveryEngine(db, instant)
        started = time.perf_counter()
        task = asyncio.create_task(engine.run())
        engine.wake()
        assert await engine.wait_idle(600)
        elapsed = time.perf_counter() - started
        engine.stop()
        await task
        sent = sum(t.sent for t in instant.values())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "sent": sent,
        "seconds": elapsed,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "bytes": outbox_bytes(path),
    }


def latency_figures(latencies: list[float]) -> dict[str, float]:
    """How many commands, and their p50, p99 and max in milliseconds."""
    ordered = sorted(latencies)
    return {
        "commands": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


async def measure_interactive(path: Path) -> dict[str, float]:
    """`/ack`, `/alerts`, `/me` in turn, one every COMMAND_PAUSE, while the fan-out drains."""
    async with Database.open(path, frozenset({"console:admin"})) as db:
        instant = {name: InstantTransport(name) for name in ("console", "telegram")}
        engine = DeliveryEngine(db, instant)
        dispatcher = _dispatcher(db, path)
        gc.freeze()  # as the bot does once started (bot/app.py)
        task = asyncio.create_task(engine.run())
        engine.wake()
        latencies: list[float] = []
        while not all(w.looks_idle for w in engine.workers.values()) or not latencies:
            for command in ("/ack A1", "/alerts", "/me"):
                started = time.perf_counter()
                await dispatcher.handle(_said(command))
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(COMMAND_PAUSE)
        assert await engine.wait_idle(600)
        engine.stop()
        await task
        sent = sum(t.sent for t in instant.values())
    return {**latency_figures(latencies), "sent": sent}


def mark_half_sent(path: Path) -> int:
    """Every other copy already delivered (an edit each), the others still queued."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            changed = conn.execute(
                "UPDATE outbox SET status = 'sent', sent_ref = '[\"1\"]', sent_at = ?"
                " WHERE subject = 'alert:1' AND id % 2 = 0",
                (time.time(),),
            ).rowcount
    finally:
        conn.close()
    return changed


async def measure_cancel(path: Path) -> dict[str, float]:
    """`/cancel A1` of the 151,000-copy alert, with `/ack`, `/alerts` and `/me` typed
    every COMMAND_PAUSE before, during and after it, until every copy is rewritten."""
    mark_half_sent(path)
    async with Database.open(path, frozenset({"console:admin"})) as db:
        limits = {"console": LIMITS, "telegram": LIMITS}
        settings = Settings(source=path, network=NetworkSettings(admins=("console:admin",)))
        timers = TimerService(db)
        TaskTimers(TaskSetup(settings, limits)).register(timers)
        dispatcher = CommandDispatcher(
            db, Registry(ROUTERS), settings, limits, on_commit=timers.wake
        )
        gc.freeze()
        running = asyncio.create_task(timers.run())
        latencies: list[float] = []
        cancel: asyncio.Task[None] | None = None
        started = answered = applied = 0.0

        def on_answer(_: object) -> None:
            nonlocal answered
            answered = time.perf_counter() - started

        async def still_applying() -> bool:
            async with db.transaction() as tx:
                return bool(await tx.timers.pending_for("alert:1"))

        while True:
            for command in ("/ack A1", "/alerts", "/me"):
                begun = time.perf_counter()
                await dispatcher.handle(_said(command))
                latencies.append(time.perf_counter() - begun)
                await asyncio.sleep(COMMAND_PAUSE)
            if cancel is None and len(latencies) >= 30:
                started = time.perf_counter()
                cancel = asyncio.create_task(dispatcher.handle(_said("/cancel A1")))
                cancel.add_done_callback(on_answer)
            elif cancel is not None and cancel.done() and not await still_applying():
                applied = time.perf_counter() - started
                break
        timers.stop()
        await running
        async with db.transaction() as tx:
            edits = await tx.outbox.busy_count(["console", "telegram"], 1e12)
    return {
        **latency_figures(latencies),
        "answer_s": answered,
        "applied_s": applied,
        "queued_after": edits,
    }


def _step(step: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.fanout", step, str(path)],
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fanout.db"
        _step("prepare", path)
        enqueue = _step("enqueue", path)
        copy = Path(tmp) / "interactive.db"
        shutil.copyfile(path, copy)
        cancelled = Path(tmp) / "cancel.db"
        shutil.copyfile(path, cancelled)
        drain = _step("drain", path)
        interactive = _step("interactive", copy)
        cancel = _step("cancel", cancelled)
    rows = int(enqueue["rows"])
    print(f"{'measure':<44} {'result':>22} {'goal':>12}")
    print(f"{'enqueue: /alert to rows committed':<44} {enqueue['seconds']:>20.2f} s {'<= 2 s':>12}")
    print(f"{'  rows written':<44} {rows:>22,}")
    per_row = enqueue["bytes"] / rows
    print(f"{'  outbox bytes per delivery, queued':<44} {per_row:>22.0f} {'< 200':>12}")
    rate = drain["sent"] / drain["seconds"]
    print(f"{'engine: deliveries/s, durable bookkeeping':<44} {rate:>22,.0f} {'>= 10,000':>12}")
    print(f"{'  delivered':<44} {int(drain['sent']):>22,}")
    print(
        f"{'  peak RSS of the draining process':<44} "
        f"{drain['peak_rss_mb']:>19.0f} MB {'<= 300 MB':>12}"
    )
    sent_row = drain["bytes"] / rows
    print(f"{'  outbox bytes per delivery, sent':<44} {sent_row:>22.0f} {'< 200':>12}")
    print(
        f"{'commands while it drains: p99 (ms)':<44} "
        f"{interactive['p99_ms']:>19.0f} ms {'<= 100 ms':>12}"
    )
    print(
        f"{'  p50 / max, over commands':<44} "
        f"{interactive['p50_ms']:>7.0f} / {interactive['max_ms']:.0f} ms"
        f" {int(interactive['commands']):>6}"
    )
    print(f"{'/cancel of that alert: answered after':<44} {cancel['answer_s']:>20.2f} s")
    print(f"{'  every copy rewritten or edited after':<44} {cancel['applied_s']:>20.2f} s")
    print(
        f"{'  commands meanwhile: p99 (ms)':<44} "
        f"{cancel['p99_ms']:>19.0f} ms {'<= 100 ms':>12}"
    )
    print(
        f"{'  p50 / max, over commands':<44} "
        f"{cancel['p50_ms']:>7.0f} / {cancel['max_ms']:.0f} ms"
        f" {int(cancel['commands']):>6}"
    )


if __name__ == "__main__":
    step, db_path = sys.argv[1], Path(sys.argv[2])
    if step == "prepare":
        asyncio.run(_prepare(db_path))
        print(json.dumps({}))
    elif step == "enqueue":
        print(json.dumps(asyncio.run(measure_enqueue(db_path))))
    elif step == "drain":
        print(json.dumps(asyncio.run(measure_drain(db_path))))
    elif step == "interactive":
        print(json.dumps(asyncio.run(measure_interactive(db_path))))
    elif step == "cancel":
        print(json.dumps(asyncio.run(measure_cancel(db_path))))
