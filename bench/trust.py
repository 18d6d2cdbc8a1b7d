"""What vetting and limits cost on a national network (150,000 members, 100,000 alerts).

- `members tree` on the founder of a 150,000-person cascade (one recursive query);
- `/alert` by a member, with the hourly count and the duplicate-link look-up
  over 100,000 earlier alerts (the time between the command and the answer,
  no platform I/O), and the same alert refused as a duplicate;
- `join` from a stranger: the request and the notification of the deciders
  among 1,000 coordinators.

Figures, not pass/fail. `python -m bench trust`; BENCH_MEMBERS changes the size.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bot.commands import CommandDispatcher, Registry
from bot.config import NetworkSettings, Settings
from bot.domain import IncomingMessage
from bot.store import Database
from handlers import ROUTERS
from tests.fakes.recording_transport import LIMITS

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "150000"))
ALERTS = 100_000
COORDINATORS = 1_000
REPEAT = 20


def populate(path: Path) -> None:
    """A cascade where each member was brought in by an earlier one (random tree)."""
    rng = random.Random(3)
    now = time.time()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO rooms (id, platform, chat_id, title, linked_at) VALUES (1, 'fake',"
            " '#lyon', '#lyon', ?)",
            (now,),
        )
        conn.execute("INSERT INTO room_tags (room_id, tag) VALUES (1, 'dept:069')")
        conn.executemany(
            "INSERT INTO members (id, display_name, joined, standing, home_platform, sponsor_id,"
            " scope, created_at) VALUES (?, ?, 1, 'member', 'fake', ?, '[\"dept:069\"]', ?)",
            [
                (i, f"m{i}", rng.randint(1, i - 1) if i > 1 else None, now)
                for i in range(1, MEMBERS + 1)
            ],
        )
        conn.executemany(
            "INSERT INTO identities (platform, user_id, member_id, display_name, dm_reachable)"
            " VALUES ('fake', ?, ?, ?, 1)",
            [(f"u{i}", i, f"m{i}") for i in range(1, MEMBERS + 1)],
        )
        conn.executemany(
            "INSERT INTO grants (member_id, role, scope) VALUES (?, 20, ?)",
            [
                (i, "dept:069" if i % 2 else f"dept:{i % 95:03d}")
                for i in range(2, COORDINATORS + 2)
            ],
        )
        conn.executemany(
            "INSERT INTO alerts (text, url, url_key, scope, author_member_id, author_name,"
            " origin_platform, origin_chat_id, origin_label, created_at)"
            " VALUES ('x', ?, ?, '[\"dept:069\"]', ?, 'm', 'fake', '#lyon', '#lyon', ?)",
            [
                (f"https://e.org/{i}", f"https://e.org/{i}", rng.randint(1, MEMBERS), now - i)
                for i in range(ALERTS)
            ],
        )
    conn.close()


def _message(user: str, text: str) -> IncomingMessage:
    return IncomingMessage("fake", "#lyon", user, user, text, False)


async def _timed(dispatcher: CommandDispatcher, user: str, text: str) -> float:
    started = time.perf_counter()
    await dispatcher.handle(_message(user, text))
    return time.perf_counter() - started


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trust.db"
        async with Database.open(path) as db:
            await db.migrate()
        populate(path)
        settings = Settings(Path(tmp) / "b.toml", NetworkSettings(admins=("fake:u1",)))
        async with Database.open(path, frozenset({"fake:u1"})) as db:
            dispatcher = CommandDispatcher(db, Registry(ROUTERS), settings, {"fake": LIMITS})
            tree = [await _timed(dispatcher, "u1", "/members tree M1") for _ in range(5)]
            alert = [
                await _timed(dispatcher, f"u{5000 + i}", f"/alert fuite https://n.org/{i}")
                for i in range(REPEAT)
            ]
            duplicate = [
                await _timed(dispatcher, f"u{6000 + i}", "/alert encore https://n.org/1")
                for i in range(REPEAT)
            ]
            join = [
                await _timed(dispatcher, f"stranger{i}", "/join") for i in range(REPEAT)
            ]
            checks = []
            async with db.transaction() as tx:
                levels = await tx.members.cascade_levels(1)
                for i in range(REPEAT):
                    started = time.perf_counter()
                    await tx.alerts.raised_since(1 + i, time.time() - 3600)
                    await tx.alerts.open_with_url(f"https://e.org/{i}", time.time() - 1800)
                    checks.append(time.perf_counter() - started)
    print(f"{'measure':<58} {'median':>10}")
    print(f"{f'members tree of the founder ({sum(levels):,} below, {len(levels)} levels)':<58}"
          f" {statistics.median(tree) * 1000:>7.1f} ms")
    print(f"{'/alert by a member (whole command, fan-out included)':<58}"
          f" {statistics.median(alert) * 1000:>7.1f} ms")
    print(f"{'  of which the hourly count + duplicate look-up':<58}"
          f" {statistics.median(checks) * 1000:>7.2f} ms")
    print(f"{'/alert of a link already alerted (answered, not relayed)':<58}"
          f" {statistics.median(duplicate) * 1000:>7.1f} ms")
    print(f"{f'/join by a stranger ({COORDINATORS:,} coordinators to sort)':<58}"
          f" {statistics.median(join) * 1000:>7.1f} ms")
