"""The dashboard's Now and Barometer pages over a network's season of activity.

The database holds 10,000 alerts over 90 days (two acks each, all still
open), 100,000 tasks with 300,000 history rows, 2,000 archived clips, 2,000
members and 10,000 short links with 1,000,000 counted visits (ten days of visits
per link, spread over the same 90 days); the barometer's daily counts are kept by
the database's triggers as these rows go in. Pages are
fetched over HTTP from the running web server with a logged-in session, for
the whole network and for a coordinator of one department. Goal: each page
renders in <= 300 ms.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from bot.config import NetworkSettings, Settings, WebSettings
from bot.domain.roles import Role
from bot.domain.short_links import day_of, new_code
from bot.store import Database
from bot.web import ReadView, Runtime, WebServer
from tests.fakes.irc_servers import free_port

ALERTS = 10_000
TASKS_PER_ALERT = 10
MEMBERS = 2_000
LINKS = 10_000
VISIT_DAYS = 10
VISITS_PER_DAY = 10
CLIPS = 2_000
DAYS = 90
DEPARTMENTS = [f"dept:{n:03d}" for n in range(1, 21)]
TIMES = 15


def populate(path: Path, now: float) -> None:
    rng = random.Random(2026)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        conn.executemany(
            "INSERT INTO members (id, display_name, joined, home_platform, created_at, standing,"
            " scope, joined_at) VALUES (?, ?, 1, 'console', ?, 'member', ?, ?)",
            [(i, f"m{i}", now, json.dumps([rng.choice(DEPARTMENTS)]), now)
             for i in range(1, MEMBERS + 1)],
        )
        conn.executemany(
            "INSERT INTO identities (platform, user_id, member_id, display_name)"
            " VALUES ('console', ?, ?, ?)",
            [(f"m{i}", i, f"m{i}") for i in range(1, MEMBERS + 1)],
        )
        conn.execute("INSERT INTO grants (member_id, role, scope) VALUES (1, ?, '')",
                     (int(Role.ADMIN),))
        conn.execute("INSERT INTO grants (member_id, role, scope) VALUES (2, ?, 'dept:001')",
                     (int(Role.COORDINATOR),))
        alerts, acks, tasks, events, clips = [], [], [], [], []
        task_id = 0
        for alert_id in range(1, ALERTS + 1):
            created = now - DAYS * 86_400 * (1 - alert_id / ALERTS)
            scope = json.dumps([rng.choice(DEPARTMENTS)])
            author = rng.randint(1, MEMBERS)
            alerts.append((alert_id, f"alerte {alert_id}", scope, author, f"m{author}",
                           created))
            for member in rng.sample(range(1, MEMBERS + 1), 2):
                acks.append((alert_id, member, f"m{member}", created + rng.uniform(30, 900)))
            for n in range(TASKS_PER_ALERT):
                task_id += 1
                kind = ("clip", "rebuttal", "share")[n % 3]
                doer = rng.randint(1, MEMBERS)
                done = rng.random() < 0.98
                finished = created + rng.uniform(120, 7200)
                tasks.append((task_id, kind, alert_id, scope, "done" if done else "open",
                              created, doer if done else None, finished if done else None))
                events.append((task_id, created, "created", author))
                if done:
                    events.append((task_id, created + 60, "claimed", doer))
                    events.append((task_id, finished, "done", doer))
            if alert_id % (ALERTS // CLIPS) == 0:
                clips.append((alert_id, created + rng.uniform(120, 1800)))
        conn.executemany(
            "INSERT INTO alerts (id, text, scope, author_member_id, author_name,"
            " origin_platform, origin_chat_id, origin_label, created_at)"
            " VALUES (?, ?, ?, ?, ?, 'console', '#r', '#r', ?)", alerts)
        conn.executemany(
            "INSERT INTO alert_acks (alert_id, member_id, member_name, at) VALUES (?, ?, ?, ?)",
            acks)
        conn.executemany(
            "INSERT INTO tasks (id, kind, alert_id, scope, status, creator_name,"
            " origin_platform, origin_chat_id, created_at, opened_at, done_by, finished_at)"
            " VALUES (?, ?, ?, ?, ?, 'x', 'console', '#r', ?, 0, ?, ?)",
            [(i, k, a, s, st, c, d, f) for i, k, a, s, st, c, d, f in tasks])
        conn.executemany(
            "INSERT INTO task_events (task_id, at, event, member_id) VALUES (?, ?, ?, ?)",
            events)
        conn.executemany(
            "INSERT INTO clips (url, range_key, status, requester_name, requested_at,"
            " origin_platform, origin_chat_id, alert_id, finished_at)"
            " VALUES ('https://x', '', 'done', 'x', ?, 'console', '#r', ?, ?)",
            [(t - 60, a, t) for a, t in clips])
        today = day_of(now)
        conn.executemany(
            "INSERT INTO short_links (id, code, url, owner_id, scope, created_at)"
            " VALUES (?, ?, 'https://example.org', ?, ?, ?)",
            [(i, new_code(), rng.randint(1, MEMBERS), json.dumps([rng.choice(DEPARTMENTS)]),
              now) for i in range(1, LINKS + 1)],
        )
        conn.executemany(
            "INSERT INTO link_visits (link_id, day, visits) VALUES (?, ?, ?)",
            [(i, today - d, VISITS_PER_DAY)
             for i in range(1, LINKS + 1) for d in rng.sample(range(DAYS), VISIT_DAYS)],
        )
    conn.execute("ANALYZE")
    conn.close()


async def _time(client: aiohttp.ClientSession, path: str, cookie: str) -> list[float]:
    found: list[float] = []
    for _ in range(TIMES):
        started = time.perf_counter()
        async with client.get(path, headers={"Cookie": f"riposte_session={cookie}"}) as response:
            await response.read()
            assert response.status == 200, response.status
        found.append((time.perf_counter() - started) * 1000)
    return found


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        now = time.time()
        async with Database.open(path) as db:
            await db.migrate()
        started = time.perf_counter()
        await asyncio.to_thread(populate, path, now)
        print(f"populated in {time.perf_counter() - started:.1f} s: {ALERTS:,} alerts, "
              f"{ALERTS * TASKS_PER_ALERT:,} tasks, {LINKS * VISIT_DAYS * VISITS_PER_DAY:,} "
              "counted visits")
        with sqlite3.connect(path) as conn:
            days = [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                    for t in ("activity_member_days", "activity_scope_days")]
        conn.close()
        print(f"barometer's daily counts: {days[0]:,} rows per member and day, "
              f"{days[1]:,} per scope and day")
        web = WebSettings(enabled=True, listen=f"127.0.0.1:{free_port()}")
        settings = Settings(source=Path(folder) / "riposte.toml",
                            network=NetworkSettings(lang="fr"), web=web)
        async with Database.open(path) as db, Database.open(path, readonly=True) as reader:
            async with db.transaction() as tx:
                network, _ = await tx.web_sessions.open(1, "fr", now, 3600)
                scoped, _ = await tx.web_sessions.open(2, "fr", now, 3600)
            server = WebServer(Runtime(db, ReadView(reader), settings))
            await server.start()
            try:
                async with aiohttp.ClientSession(f"http://{web.listen}") as client:
                    print(f"{'page':<44} {'median ms':>9} {'max ms':>7}")
                    for who, cookie in (("network", network), ("dept:001", scoped)):
                        for page in ("/dash/now", "/dash/barometer",
                                     "/dash/barometer?from=" + time.strftime(
                                         "%Y-%m-%d", time.localtime(now - 365 * 86_400)),
                                     "/dash/deliveries"):
                            times = await _time(client, page, cookie)
                            label = f"{page.split('?')[0]}{' (a year)' if '?' in page else ''}"
                            print(f"{label + ' — ' + who:<44} {statistics.median(times):>9.0f} "
                                  f"{max(times):>7.0f}")
            finally:
                await server.stop()
        print("(goal: Now and Barometer <= 300 ms)")


if __name__ == "__main__":
    asyncio.run(main())
