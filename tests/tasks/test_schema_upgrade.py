"""A network's database from before tasks (schema 8: membership, archive quota) upgrades in
place: the tasks and timers migration applies on top, and old alerts and members take tasks."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bot.domain import OutgoingMessage, Target, TargetKind
from bot.domain.alerts import AlertDraft, alert_subject
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
    async with Database.open(path) as db:
        async with db.transaction() as tx:  # a member and an alert of the old network
            bob = await tx.members.resolve("console", "bob", "bob", None)
            await tx.members.join(bob.id, "console")
            alert = await tx.alerts.create(
                AlertDraft("Le député X ment", None, ("dept:069",)),
                author_member_id=bob.id,
                author_name="bob",
                origin_platform="console",
                origin_chat_id="#lyon",
                origin_label="#lyon",
                origin_private=False,
            )
            subject = alert_subject(alert.id)
            await tx.outbox.enqueue(
                room, OutgoingMessage.plain("alerte"), Priority.ALERT, subject=subject
            )
        applied = await db.migrate()
        assert [m.version for m in applied] == [
            m.version for m in known_migrations() if m.version > BEFORE_TASKS
        ]
        async with db.transaction() as tx:
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
