"""The barometer's daily counts give exactly what counting the events gives, on random
activity, after merges of members, scope changes, deleted members and retention; its
response times are each alert's firsts."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.domain.short_links import day_of
from bot.store import Database, Tx
from bot.store.dashboard import Activity, ScopeFilter
from tests.fakes.engines import target_for

pytestmark = pytest.mark.both_engines

DAY = 86_400.0
BASE = 20_000 * DAY  # a UTC midnight
SCOPES = ['[]', '["dept:069"]', '["dept:075"]', '["dept:069", "retraites"]']
EVENTS = ("created", "claimed", "assigned", "done", "dropped")


def _same(found: Activity, expected: Activity) -> None:
    assert found.members == expected.members
    assert found.tags == expected.tags


async def _populate(tx: Tx, rng: random.Random, members: list[int]) -> None:
    conn = tx._conn

    def when() -> float:
        return BASE + rng.uniform(0, 12 * DAY)

    for _ in range(60):
        alert_id = await conn.fetchval(
            "INSERT INTO alerts (text, scope, author_member_id, author_name, origin_platform,"
            " origin_chat_id, origin_label, created_at) VALUES ('x', ?, ?, 'a', 'console',"
            " '#r', '#r', ?) RETURNING id",
            (rng.choice(SCOPES), rng.choice([*members, None]), when()),
        )
        for member in rng.sample(members, rng.randint(0, 3)):
            await conn.execute(
                "INSERT INTO alert_acks (alert_id, member_id, member_name, at)"
                " VALUES (?, ?, 'm', ?)",
                (alert_id, member, when()),
            )
        for _ in range(rng.randint(0, 3)):
            done = rng.random() < 0.6
            task_id = await conn.fetchval(
                "INSERT INTO tasks (kind, alert_id, scope, status, creator_name,"
                " origin_platform, origin_chat_id, created_at, opened_at, done_by,"
                " finished_at) VALUES (?, ?, ?, ?, 'x', 'console', '#r', ?, 0, ?, ?)"
                " RETURNING id",
                (rng.choice(["clip", "rebuttal", "share"]), rng.choice([alert_id, None]),
                 rng.choice(SCOPES), "done" if done else "open", when(),
                 rng.choice([*members, None]) if done else None, when() if done else None),
            )
            for _ in range(rng.randint(0, 4)):
                await conn.execute(
                    "INSERT INTO task_events (task_id, at, event, member_id)"
                    " VALUES (?, ?, ?, ?)",
                    (task_id, when(), rng.choice(EVENTS), rng.choice([*members, None])),
                )
    for n in range(15):
        link_id = await conn.fetchval(
            "INSERT INTO short_links (code, url, owner_id, scope, created_at)"
            " VALUES (?, 'https://example.org', ?, ?, ?) RETURNING id",
            (f"code{n:06d}", rng.choice([*members, None]), rng.choice(SCOPES), BASE),
        )
        for _ in range(2):
            await tx.links.add_visits(
                {(link_id, day_of(when())): rng.randint(1, 9) for _ in range(3)}
            )


async def _compare(tx: Tx, rng: random.Random) -> None:
    periods = [(BASE - DAY, BASE + 14 * DAY), (BASE, BASE + 0.3 * DAY)]
    for _ in range(12):
        start = BASE + rng.uniform(-DAY, 12 * DAY)
        periods.append((start, start + rng.choice([0.5, 1, 2, 3.7, 9]) * DAY))
    for start, end in periods:
        days = (day_of(start), day_of(end - 1))
        _same(
            await tx.dashboard.activity(start, end, *days),
            await tx.dashboard.events_activity(start, end, *days),
        )


async def _check_firsts(tx: Tx) -> None:
    conn = tx._conn
    acks: dict[int, float] = {}
    for alert_id, at in await conn.fetchall("SELECT alert_id, at FROM alert_acks"):
        acks[alert_id] = min(at, acks.get(alert_id, at))
    done: dict[tuple[int, str], float] = {}
    for alert_id, kind, at in await conn.fetchall(
        "SELECT alert_id, kind, finished_at FROM tasks WHERE status = 'done'"
        " AND alert_id IS NOT NULL"
    ):
        done[(alert_id, kind)] = min(at, done.get((alert_id, kind), at))
    expected = []
    for alert_id, raised in await conn.fetchall("SELECT id, created_at FROM alerts"):
        firsts = [acks.get(alert_id), done.get((alert_id, "clip")),
                  done.get((alert_id, "rebuttal"))]
        expected.append(tuple(None if t is None else t - raised for t in firsts))
    found = await tx.dashboard.alert_times(ScopeFilter(None), BASE - DAY, BASE + 14 * DAY)
    assert sorted(expected, key=repr) == sorted(
        ((t.ack, t.clip, t.rebuttal) for t in found), key=repr
    )
    assert any(t.clip is not None for t in found) and any(t.rebuttal is not None for t in found)


async def test_daily_counts_agree_with_the_events(tmp_path: Path) -> None:
    rng = random.Random(20261130)
    async with Database.open(target_for(tmp_path, "a.db")) as db:
        await db.migrate()
        async with db.transaction() as tx:
            members = [
                (await tx.members.resolve("console", f"u{n}", f"u{n}", None)).id
                for n in range(8)
            ]
            await _populate(tx, rng, members)
        async with db.transaction() as tx:
            await _compare(tx, rng)
            await _check_firsts(tx)
        async with db.transaction() as tx:
            conn = tx._conn
            # Scopes change (an alert's shown scope, its tasks'), events move in time,
            # tasks are finished, a link changes hands.
            await conn.execute("UPDATE alerts SET scope = ? WHERE id % 3 = 0", (SCOPES[3],))
            await conn.execute("UPDATE tasks SET scope = ? WHERE id % 4 = 1", (SCOPES[2],))
            await conn.execute("UPDATE alert_acks SET at = at + 40000 WHERE alert_id % 2 = 0")
            await conn.execute(
                "UPDATE tasks SET status = 'done', done_by = ?, finished_at = created_at + 50000"
                " WHERE status = 'open' AND id % 2 = 0",
                (members[0],),
            )
            await conn.execute("UPDATE task_events SET event = 'claimed' WHERE id % 5 = 0")
            await conn.execute("UPDATE short_links SET owner_id = ?, scope = '[]' WHERE id % 2 = 0",
                               (members[1],))
            await conn.execute("DELETE FROM task_events WHERE id % 7 = 0")
            # Identities merged, a member deleted outright.
            await tx.identities.merge(members[2], members[3])
            await tx.identities.merge(members[4], members[5])
            await conn.execute("DELETE FROM members WHERE id = ?", (members[6],))
        async with db.transaction() as tx:
            await _compare(tx, rng)
        async with db.transaction() as tx:
            # Retention: alerts of the first days go with their acks, tasks and history.
            await tx.privacy.purge_alerts(BASE + 5 * DAY, limit=1000)
            await tx.privacy.purge_loose_tasks(BASE + 6 * DAY, limit=1000)
            await tx._conn.execute("DELETE FROM short_links WHERE id % 3 = 0")
        async with db.transaction() as tx:
            await _compare(tx, rng)
            # Forgetting keeps the counts: the member row stays, nameless.
            await tx.privacy.forget(members[0], "ancien membre", BASE + 20 * DAY)
            await _compare(tx, rng)
