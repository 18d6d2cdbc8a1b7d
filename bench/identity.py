"""The barometer and the digests on a national network.

- `stats network` and `stats #dept:069`, as a coordinator types them (handled to reply
  committed), on 150,000 members, 10,000 alerts (with their acks, tasks and clips) and
  1,000,000 delivery rows;
- `stats me` on the same network;
- the 07:00 release: the digests of 50,000 members whose quiet hours end, each holding
  a few alerts, from the timer firing to the outbox rows committed;
- `forgetme` on that database: every text column swept for one person's names.

Figures, not pass/fail. `python -m bench identity`; BENCH_MEMBERS changes the size.
"""

from __future__ import annotations

import gc
import json
import os
import random
import re
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.trust import _timed
from bot.commands import CommandDispatcher, Registry
from bot.config import NetworkSettings, Settings
from bot.digests import DigestSetup, release_due
from bot.store import Database
from handlers import ROUTERS
from tests.fakes.recording_transport import LIMITS

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "150000"))
ALERTS = 10_000
DELIVERIES = 1_000_000
QUIET_MEMBERS = 50_000
HELD_PER_MEMBER = 5
REPEAT = 10
ZONE = "Europe/Paris"


def _seven_am(now: float) -> float:
    """Tomorrow 07:00:01 in Paris: the end of everyone's 23:00-07:00."""
    tz = ZoneInfo(ZONE)
    day = datetime.fromtimestamp(now, tz).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 7, 0, 1, tzinfo=tz).timestamp()


def populate(path: Path, now: float) -> None:
    rng = random.Random(16)
    conn = sqlite3.connect(path)
    depts = [f"dept:{n:03d}" for n in range(1, 96)]
    with conn:
        conn.execute(
            "INSERT INTO rooms (id, platform, chat_id, title, linked_at) VALUES (1, 'fake',"
            " '#lyon', '#lyon', ?)",
            (now,),
        )
        conn.execute("INSERT INTO room_tags (room_id, tag) VALUES (1, 'dept:069')")
        conn.executemany(
            "INSERT INTO members (id, display_name, joined, standing, home_platform, sponsor_id,"
            " joined_at, created_at, quiet_start, quiet_end)"
            " VALUES (?, ?, 1, 'member', 'fake', ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    f"m{i}",
                    rng.randint(1, i - 1) if i > 1 else None,
                    now - rng.uniform(0, 60 * 86400),
                    now - 90 * 86400,
                    1380 if i <= QUIET_MEMBERS else None,
                    420 if i <= QUIET_MEMBERS else None,
                )
                for i in range(1, MEMBERS + 1)
            ],
        )
        conn.executemany(
            "INSERT INTO identities (platform, user_id, member_id, display_name, dm_reachable)"
            " VALUES ('fake', ?, ?, ?, 1)",
            [(f"u{i}", i, f"m{i}") for i in range(1, MEMBERS + 1)],
        )
        conn.executemany(
            "INSERT INTO subscriptions (member_id, tag) VALUES (?, ?)",
            [(i, rng.choice(depts)) for i in range(1, MEMBERS + 1)],
        )
        conn.executemany(
            "INSERT INTO grants (member_id, role, scope) VALUES (?, 20, ?)",
            [(i, "dept:069" if i % 2 else "") for i in range(2, 1002)],
        )
        alerts = []
        acks = []
        tasks = []
        clips = []
        for a in range(1, ALERTS + 1):
            created = now - rng.uniform(0, 28 * 86400)
            scope = json.dumps(rng.sample(depts, rng.randint(1, 2)))
            alerts.append((a, scope, rng.randint(1, MEMBERS), created))
            for member in rng.sample(range(1, MEMBERS + 1), rng.randint(0, 8)):
                acks.append((a, member, created + rng.uniform(30, 3600)))
            for kind in ("clip", "rebuttal"):
                done = rng.random() < 0.6
                tasks.append((
                    kind, a, scope, "done" if done else "open",
                    rng.randint(1, MEMBERS) if done else None,
                    created + rng.uniform(60, 7200) if done else None, created,
                ))  # fmt: skip
            if rng.random() < 0.3:
                clips.append((a, created + rng.uniform(60, 1800)))
        conn.executemany(
            "INSERT INTO alerts (id, text, scope, author_member_id, author_name, origin_platform,"
            " origin_chat_id, origin_label, created_at) VALUES (?, 'x', ?, ?, 'm', 'fake',"
            " '#lyon', '#lyon', ?)",
            alerts,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO alert_acks (alert_id, member_id, member_name, at)"
            " VALUES (?, ?, 'm', ?)",
            acks,
        )
        conn.executemany(
            "INSERT INTO tasks (kind, alert_id, scope, status, done_by, finished_at, created_at,"
            " opened_at, creator_name, origin_platform, origin_chat_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0, 'm', 'fake', '#lyon')",
            tasks,
        )
        conn.executemany(
            "INSERT INTO clips (url, range_key, status, requester_name, requested_at,"
            " origin_platform, origin_chat_id, alert_id, finished_at)"
            " VALUES ('u', 'k', 'done', 'm', 0, 'fake', '#lyon', ?, ?)",
            clips,
        )
        conn.execute("INSERT INTO outbox_payloads (id, body) VALUES (1, ?)",
                     ('{"spans":[["x","plain"]],"buttons":[],"is_error":false}',))  # fmt: skip
        conn.executemany(
            "INSERT INTO outbox (platform, target_kind, address, payload_id, priority, subject,"
            " status, not_before, created_at, sent_at, sent_ref)"
            " VALUES ('fake', 'user', ?, 1, 10, ?, 'sent', ?, ?, ?, '[\"1\"]')",
            (
                (f"u{1 + n % MEMBERS}", f"alert:{1 + n % ALERTS}", now, now, now)
                for n in range(DELIVERIES)
            ),
        )
        # The night's alerts, held for the quiet members: a few each, from a small set.
        night = list(range(ALERTS - 19, ALERTS + 1))
        conn.executemany(
            "INSERT INTO held_alerts (member_id, alert_id, held_at) VALUES (?, ?, ?)",
            (
                (m, a, now)
                for m in range(1, QUIET_MEMBERS + 1)
                for a in rng.sample(night, HELD_PER_MEMBER)
            ),
        )
    conn.close()


async def main() -> None:
    now = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "identity.db"
        async with Database.open(path) as db:
            await db.migrate()
        started = time.perf_counter()
        populate(path, now)
        built = time.perf_counter() - started
        settings = Settings(Path(tmp) / "b.toml", NetworkSettings(admins=("fake:u1",)))
        async with Database.open(path, frozenset({"fake:u1"})) as db:
            dispatcher = CommandDispatcher(db, Registry(ROUTERS), settings, {"fake": LIMITS})
            network = [await _timed(dispatcher, "u2", "/stats network") for _ in range(REPEAT)]
            tag = [await _timed(dispatcher, "u3", "/stats #dept:069") for _ in range(REPEAT)]
            mine = [await _timed(dispatcher, f"u{10 + i}", "/stats me") for i in range(REPEAT)]
            setup = DigestSetup(ZONE, "fr", frozenset())
            at = _seven_am(now)
            gc.collect()
            gc.freeze()  # as the running bot does once started (bot/app.py)
            started = time.perf_counter()
            async with db.transaction() as tx:
                released = await release_due(tx, setup, at)
            release = time.perf_counter() - started
            async with db.transaction() as tx:
                payloads = await tx.digests.members_holding()
            forget = await _timed(dispatcher, "u77", "/forgetme")
            code = _code_sent_to(path, "#lyon")
            confirm = await _timed(dispatcher, "u77", f"/forgetme {code}")
    print(f"{'measure':<62} {'result':>10} {'goal':>10}")
    print(f"{f'(network built in {built:.0f} s: {MEMBERS:,} members, {ALERTS:,} alerts,':<62}")
    print(f"{f' {DELIVERIES:,} delivery rows)':<62}")
    print(f"{'/stats network, handled to reply committed (median)':<62}"
          f" {statistics.median(network) * 1000:>7.0f} ms {'<= 200 ms':>10}")
    print(f"{'/stats #dept:069 (median)':<62}"
          f" {statistics.median(tag) * 1000:>7.0f} ms {'<= 200 ms':>10}")
    print(f"{'/stats me (median)':<62} {statistics.median(mine) * 1000:>7.0f} ms")
    print(f"{f'07:00 release: {released.members:,} digests, rows committed':<62}"
          f" {release:>8.2f} s {'<= 2 s':>10}")
    print(f"{'  outbox rows queued / distinct digests / members still holding':<62}"
          f" {released.queued:,} / {released.payloads:,} / {payloads}")
    print(f"{'/forgetme (asks for the code)':<62} {forget * 1000:>7.0f} ms")
    print(f"{'/forgetme CODE (erase, sweep every text column)':<62} {confirm * 1000:>7.0f} ms")


def _code_sent_to(path: Path, user: str) -> str:
    """The confirmation code the bot just sent `user` (only the reply holds it in clear)."""
    conn = sqlite3.connect(path)
    try:
        (body,) = conn.execute(
            "SELECT p.body FROM outbox o JOIN outbox_payloads p ON p.id = o.payload_id"
            " WHERE o.address = ? ORDER BY o.id DESC LIMIT 1",
            (user,),
        ).fetchone()
    finally:
        conn.close()
    return str(re.findall(r"\b([2-9A-HJKMNP-Z]{10})\b", body)[-1])
