"""Fan-out benchmark: enqueue 151,000 deliveries for one alert, then drain them.

Each measurement runs in its own subprocess so that peak memory (RSS) is the
measured step's own. Prints one table. Figures, not pass/fail.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.commands import CommandDispatcher, Registry
from bot.config import NetworkSettings, Settings
from bot.delivery import DeliveryEngine
from bot.domain import IncomingMessage
from bot.store import Database
from handlers import ROUTERS
from tests.fakes.recording_transport import LIMITS, RecordingTransport

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "150000"))
ROOMS = 1_000


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


async def measure_enqueue(path: Path) -> dict[str, float]:
    async with Database.open(path, frozenset({"console:admin"})) as db:
        limits = {"console": LIMITS, "telegram": LIMITS}
        settings = Settings(path.with_suffix(".toml"), NetworkSettings(admins=("console:admin",)))
        dispatcher = CommandDispatcher(db, Registry(ROUTERS), settings, limits)
        message = IncomingMessage(
            "console", "#origin", "admin", "admin", "/alert Député X ment #retraites", False
        )
        started = time.perf_counter()
        await dispatcher.handle(message)
        elapsed = time.perf_counter() - started
        async with db.transaction() as tx:
            rows = await tx.outbox.busy_count(["console", "telegram"], 1e12)
    return {"rows": rows, "seconds": elapsed}


async def measure_drain(path: Path) -> dict[str, float]:
    async with Database.open(path) as db:
        instant = {
            name: RecordingTransport(platform=name, limits=LIMITS)
            for name in ("console", "telegram")
        }
        engine = DeliveryEngine(db, instant)
        started = time.perf_counter()
        task = asyncio.create_task(engine.run())
        engine.wake()
        assert await engine.wait_idle(600)
        elapsed = time.perf_counter() - started
        engine.stop()
        await task
        sent = sum(len(t.sent) for t in instant.values())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "sent": sent,
        "seconds": elapsed,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
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
        drain = _step("drain", path)
    print(f"{'measure':<44} {'result':>22} {'goal':>12}")
    print(f"{'enqueue: /alert to rows committed':<44} {enqueue['seconds']:>20.2f} s {'<= 2 s':>12}")
    print(f"{'  rows written':<44} {int(enqueue['rows']):>22,}")
    rate = drain["sent"] / drain["seconds"]
    print(f"{'engine: deliveries/s, durable bookkeeping':<44} {rate:>22,.0f} {'>= 10,000':>12}")
    print(f"{'  delivered':<44} {int(drain['sent']):>22,}")
    print(
        f"{'  peak RSS of the draining process':<44} "
        f"{drain['peak_rss_mb']:>19.0f} MB {'<= 300 MB':>12}"
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
