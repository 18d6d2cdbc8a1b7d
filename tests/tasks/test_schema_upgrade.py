"""A network's database from before tasks (schema 8: membership, archive quota) upgrades in
place: the tasks and timers migration applies on top, and old alerts and members take tasks."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bot.domain import OutgoingMessage, Target, TargetKind
from bot.domain.alerts import alert_subject
from bot.domain.tasks import TaskKind
from bot.store import Database, Priority, known_migrations

BEFORE_TASKS = 8


def create_schema_8(path: Path) -> None:
    """The database as a Riposte without tasks left it: migrations up to 8, recorded."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(
            "CREATE TABLE schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
        for migration in known_migrations():
            if migration.version <= BEFORE_TASKS:
                conn.executescript(f"BEGIN;\n{migration.sql}\nCOMMIT;")
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.version, migration.name, time.time()),
                )
    finally:
        conn.close()


async def test_a_database_from_before_tasks_upgrades_and_its_alerts_get_tasks(
    tmp_path: Path,
) -> None:
    path = tmp_path / "riposte.db"
    create_schema_8(path)
    room = Target("console", TargetKind.ROOM, "#lyon")
    # A member and an alert of the old network, written as that build wrote them (the
    # repositories of this build read columns later migrations add).
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        now = time.time()
        conn.execute(
            "INSERT INTO members (id, display_name, joined, standing, home_platform, created_at)"
            " VALUES (1, 'bob', 1, 'member', 'console', ?)",
            (now,),
        )
        conn.execute(
            "INSERT INTO identities (platform, user_id, member_id, display_name)"
            " VALUES ('console', 'bob', 1, 'bob')"
        )
        conn.execute(
            "INSERT INTO alerts (id, text, scope, author_member_id, author_name,"
            " origin_platform, origin_chat_id, origin_label, created_at)"
            " VALUES (1, 'Le député X ment', '[\"dept:069\"]', 1, 'bob', 'console', '#lyon',"
            " '#lyon', ?)",
            (now,),
        )
    finally:
        conn.close()
    subject = alert_subject(1)
    async with Database.open(path) as db:
        async with db.transaction() as tx:
            await tx.outbox.enqueue(
                room, OutgoingMessage.plain("alerte"), Priority.ALERT, subject=subject
            )
        applied = await db.migrate()
        assert [m.version for m in applied] == [
            m.version for m in known_migrations() if m.version > BEFORE_TASKS
        ]
        async with db.transaction() as tx:
            bob = await tx.members.get(1)
            alert = await tx.alerts.get(1)
            assert bob is not None and alert is not None
            task = await tx.tasks.create(
                kind=TaskKind.CLIP,
                text="",
                alert_id=alert.id,
                scope=alert.scope,
                created_by=bob.id,
                creator_name="bob",
                origin=room,
                origin_label="#lyon",
                due_at=None,
                now=time.time(),
            )
            assert await tx.tasks.claim(task.id, bob.id, "bob", room, time.time())
            assert await tx.tasks.claimers_for_alert(alert.id) == {bob.id}
            assert [row.target for row in await tx.outbox.room_copies(subject)] == [room]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
