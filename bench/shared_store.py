"""The store on PostgreSQL, shared by several processes: fan-out, drain, commands, pacing.

- `/alert` to 151,000 rows committed (150,000 subscribers, 1,000 rooms): the
  same command as `bench fanout`, on PostgreSQL;
- two delivery worker processes draining those rows with durable bookkeeping
  (claims, leases, outcomes committed) through an instant transport:
  deliveries per second, both together;
- `/ack`, `/alerts`, `/me` in this process while the two workers drain;
- two `riposte worker delivery` processes (the real Telegram transport, send
  only) against the fake Bot API enforcing 30 messages/s overall: 900 DMs,
  the rate they reach together, and the 429s they get (the rate is shared
  through the store).

PostgreSQL: $RIPOSTE_BENCH_PG (a URL of a database the benchmark may empty) or
a throwaway server from Debian's binaries with PostgreSQL's default (durable)
settings: every commit waits for its WAL flush. Figures, not pass/fail; on the
2-core development machine shared with other work, they vary by about 15 %.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import tempfile
import time
from contextlib import AsyncExitStack, suppress
from pathlib import Path

import asyncpg

from bench.fanout import (
    ALERT,
    MEMBERS,
    ROOMS,
    InstantTransport,
    _dispatcher,
    _said,
    latency_figures,
)
from bench.postgres import fresh_database, throwaway_server
from bench.telegram_pacing import WINDOW, fake_server, stats
from bot.delivery import DeliveryEngine
from bot.domain import OutgoingMessage, Target, TargetKind
from bot.store import Database, Priority
from tests.fakes.config_files import write_config
from tests.fakes.telegram_api import DEFAULT_TOKEN

PACED_DMS = 900
TELEGRAM_RATE = 30.0
WORKERS = 2


async def populate(url: str, members: int, rooms: int) -> None:
    """Bulk setup with COPY: the benchmark measures the alert, not the import."""
    async with Database.open(url) as db:
        await db.migrate()
    conn = await asyncpg.connect(url)
    now = time.time()
    try:
        await conn.copy_records_to_table(
            "rooms",
            records=[
                (i + 1, "telegram" if i % 2 else "console", f"-100{i}", f"room {i}", now)
                for i in range(rooms)
            ],
            columns=["id", "platform", "chat_id", "title", "linked_at"],
        )
        await conn.copy_records_to_table(
            "room_tags", records=[(i + 1, "national") for i in range(rooms)],
            columns=["room_id", "tag"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "members",
            records=[
                (
                    i + 2,
                    f"m{i}",
                    "en" if i % 5 == 0 else None,
                    1,
                    "telegram" if i % 3 else "console",
                    now,
                    "member",
                )
                for i in range(members)
            ],
            columns=[
                "id",
                "display_name",
                "lang",
                "joined",
                "home_platform",
                "created_at",
                "standing",
            ],
        )
        await conn.copy_records_to_table(
            "identities",
            records=[
                ("telegram" if i % 3 else "console", str(1000 + i), i + 2, f"m{i}", 1)
                for i in range(members)
            ],
            columns=["platform", "user_id", "member_id", "display_name", "dm_reachable"],
        )
        await conn.copy_records_to_table(
            "subscriptions",
            records=[(i + 2, "retraites" if i % 2 else "national") for i in range(members)],
            columns=["member_id", "tag"],
        )
        await conn.execute("SELECT setval(pg_get_serial_sequence('members', 'id'), $1)",
                           members + 2)  # fmt: skip
        await conn.execute("SELECT setval(pg_get_serial_sequence('rooms', 'id'), $1)",
                           rooms + 1)  # fmt: skip
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def measure_enqueue(url: str) -> dict[str, float]:
    async with Database.open(url, frozenset({"console:admin"})) as db:
        dispatcher = _dispatcher(db, Path("bench.toml"))
        started = time.perf_counter()
        await dispatcher.handle(_said(ALERT + " #retraites"))
        elapsed = time.perf_counter() - started
        async with db.reading() as tx:
            rows = await tx.outbox.busy_count(["console", "telegram"], 1e12)
    return {"rows": rows, "seconds": elapsed}


async def drain_worker(url: str) -> dict[str, float]:
    """One delivery process (run as a child): delivers until every row of the alert is
    out (the answers to the commands typed meanwhile go out too), then reports."""
    async with Database.open(url, application="bench worker") as db:
        instant = {name: InstantTransport(name) for name in ("console", "telegram")}
        engine = DeliveryEngine(db, instant, shared=True)
        gc.freeze()
        task = asyncio.create_task(engine.run())
        engine.wake()
        while True:
            await asyncio.sleep(0.2)
            async with db.reading() as tx:
                left = await tx._conn.fetchval(
                    "SELECT COUNT(*) FROM outbox WHERE subject = 'alert:1'"
                    " AND status IN ('pending', 'sending')"
                )
            if left == 0:
                break
        engine.stop()
        await task
    return {"sent": sum(t.sent for t in instant.values()), "finished": time.time()}


async def _child(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.shared_store", *args, stdout=asyncio.subprocess.PIPE
    )


async def measure_drain(url: str) -> dict[str, float]:
    """Two worker processes drain the fan-out; this process types commands meanwhile."""
    async with Database.open(url, frozenset({"console:admin"})) as db:
        dispatcher = _dispatcher(db, Path("bench.toml"))
        begun_at = time.time()
        children = [await _child("drain", url) for _ in range(WORKERS)]
        latencies: list[float] = []
        while any(child.returncode is None for child in children):
            for command in ("/ack A1", "/alerts", "/me"):
                begun = time.perf_counter()
                await dispatcher.handle(_said(command))
                latencies.append(time.perf_counter() - begun)
                await asyncio.sleep(0.03)
            for child in children:
                if child.returncode is None:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(asyncio.shield(child.wait()), 0.001)
        sent = 0
        finished = 0.0
        for child in children:
            assert child.stdout is not None
            report = json.loads((await child.stdout.read()).splitlines()[-1])
            sent += int(report["sent"])
            finished = max(finished, float(report["finished"]))
        elapsed = finished - begun_at
        async with db.reading() as tx:
            rows = await tx._conn.fetchval(
                "SELECT COUNT(*) FROM outbox WHERE subject = 'alert:1' AND status = 'sent'"
            )
    return {"sent": rows, "seconds": elapsed, "sends": sent, **latency_figures(latencies)}


async def measure_pacing(url: str, tmp: Path) -> dict[str, float]:
    """Two `riposte worker delivery` against the fake Bot API enforcing 30/s."""
    async with fake_server(TELEGRAM_RATE) as server:
        config = write_config(
            tmp,
            storage={"database": url},
            console={"enabled": False},
            telegram={
                "enabled": True,
                "token": "env:BENCH_TG_TOKEN",
                "base_url": f"{server}/bot",
                "base_file_url": f"{server}/file/bot",
                "set_commands": False,
            },
            logging={"level": "WARNING"},
        )
        env = {**os.environ, "BENCH_TG_TOKEN": DEFAULT_TOKEN}
        workers = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "worker",
                "delivery",
                "--config",
                str(config),
                env=env,
                stderr=asyncio.subprocess.DEVNULL,
            )
            for _ in range(WORKERS)
        ]
        try:
            await asyncio.sleep(2)  # both started (getMe) and holding their shares
            async with Database.open(url) as db, db.transaction() as tx:
                await tx.outbox.enqueue_many(
                    [
                        (
                            Target("telegram", TargetKind.USER, str(500_000 + i)),
                            OutgoingMessage.plain("🚨 Alerte A1"),
                            None,
                        )
                        for i in range(PACED_DMS)
                    ],
                    Priority.ALERT,
                )
            deadline = time.monotonic() + 300
            while True:
                s = await stats(server)
                if s["sent"] >= PACED_DMS or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                await asyncio.wait_for(worker.wait(), 20)
    accepted = int(s["sent"])
    span = s["last_sent_at"] - s["first_sent_at"] + WINDOW if accepted else float("inf")
    return {"accepted": accepted, "rate": accepted / span, "429": s["rate_limit_violations"]}


async def main() -> None:
    async with AsyncExitStack() as stack:
        admin = os.environ.get("RIPOSTE_BENCH_PG") or stack.enter_context(throwaway_server())
        url = await fresh_database(admin, "bench_fanout")
        await populate(url, MEMBERS, ROOMS)
        enqueue = await measure_enqueue(url)
        drain = await measure_drain(url)
        paced = await fresh_database(admin, "bench_pacing")
        async with Database.open(paced) as db:
            await db.migrate()
        with tempfile.TemporaryDirectory() as tmp:
            pacing = await measure_pacing(paced, Path(tmp))
    rows = int(enqueue["rows"])
    print(f"{'measure (PostgreSQL)':<48} {'result':>20} {'goal':>14}")
    print(f"{'/alert to rows committed':<48} {enqueue['seconds']:>18.2f} s {'<= 2 s':>14}")
    print(f"{'  rows written':<48} {rows:>20,}")
    rate = drain["sent"] / drain["seconds"]
    print(f"{'two delivery workers: deliveries/s, durable':<48} {rate:>20,.0f} {'>= 10,000':>14}")
    print(f"{'  delivered':<48} {int(drain['sent']):>20,}")
    print(
        f"{'  /ack /alerts /me meanwhile: p50 / p99':<48} "
        f"{drain['p50_ms']:>9.0f} / {drain['p99_ms']:.0f} ms {'p99 <= 100 ms':>14}"
    )
    ratio = pacing["rate"] / TELEGRAM_RATE
    print(
        f"{'two workers, one 30/s Telegram budget: rate':<48} {pacing['rate']:>15.1f} /s {'':>14}"
    )
    print(f"{'  ratio of allowed':<48} {ratio:>20.3f} {'>= 0.95':>14}")
    print(f"{'  429 answers':<48} {int(pacing['429']):>20} {'0':>14}")
    print(f"{'  accepted':<48} {int(pacing['accepted']):>20,}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "drain":
        print(json.dumps(asyncio.run(drain_worker(sys.argv[2]))))
    else:
        asyncio.run(main())
