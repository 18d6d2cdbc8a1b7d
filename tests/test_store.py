from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import aiosqlite
import pytest

from bot.domain import OutgoingMessage, Role, Target, TargetKind
from bot.store import Database, Priority, SchemaTooNew, known_migrations


async def test_migrations_are_recorded_and_idempotent(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "a.db") as db:
        applied = await db.migrate()
        assert [m.version for m in applied] == [m.version for m in known_migrations()]
        assert await db.migrate() == []
        assert await db.schema_version() == known_migrations()[-1].version


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    async with Database.open(path) as db:
        await db.migrate()
    async with aiosqlite.connect(path) as conn:
        await conn.execute("INSERT INTO schema_migrations VALUES (9999, 'future', 0, 'x')")
        await conn.commit()
    async with Database.open(path) as db:
        with pytest.raises(SchemaTooNew, match="9999"):
            await db.migrate()


def test_riposte_refuses_a_newer_database_with_exit_code_2(tmp_path: Path) -> None:
    import sqlite3

    from tests.fakes.config_files import write_config

    config = write_config(tmp_path)
    subprocess.run([sys.executable, "-m", "bot", "migrate", "--config", str(config)],
                   check=True, capture_output=True, timeout=60)
    with sqlite3.connect(tmp_path / "riposte.db") as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (9999, 'future', 0, 'x')")
    done = subprocess.run([sys.executable, "-m", "bot", "migrate", "--config", str(config)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "9999" in done.stderr and "newer" in done.stderr
    assert "Traceback" not in done.stderr


async def test_wal_and_foreign_keys_are_on(db: Database) -> None:
    conn = db._conn  # type: ignore[attr-defined]
    async with conn.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"  # type: ignore[index]
    async with conn.execute("PRAGMA foreign_keys") as cur:
        assert (await cur.fetchone())[0] == 1  # type: ignore[index]


async def test_a_failed_transaction_leaves_nothing(store: Database) -> None:
    target = Target("console", TargetKind.ROOM, "#x")
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.outbox.enqueue(target, OutgoingMessage.plain("hi"), Priority.ALERT)
            raise RuntimeError("boom")
    async with store.transaction() as tx:
        assert await tx.outbox.busy_count(["console"], 1e12) == 0


async def test_config_admins_are_admins_and_grants_are_scoped(store: Database) -> None:
    async with store.transaction() as tx:
        alice = await tx.members.resolve("console", "alice", "alice", "alice")
        bob = await tx.members.resolve("console", "bob", "Bob", "bob")
        await tx.members.grant(bob.id, Role.COORDINATOR, "dept:069")
        bob_again = await tx.members.get(bob.id)
    assert alice.role is Role.ADMIN
    assert bob.role is Role.GUEST
    assert bob_again is not None and bob_again.role is Role.COORDINATOR


async def test_display_name_changes_are_followed(store: Database) -> None:
    async with store.transaction() as tx:
        first = await tx.members.resolve("telegram", "42", "Léa", "lea")
        second = await tx.members.resolve("telegram", "42", "Léa M.", "lea")
        found = await tx.members.find("telegram", "@LEA")
    assert first.id == second.id and second.display_name == "Léa M."
    assert [m.id for m in found] == [first.id]


async def test_a_transaction_cancelled_at_any_point_leaves_the_connection_usable(
    store: Database,
) -> None:
    import asyncio
    import contextlib

    target = Target("console", TargetKind.ROOM, "#x")

    async def write() -> None:
        async with store.transaction() as tx:
            await tx.outbox.enqueue(target, OutgoingMessage.plain("hi"), Priority.ALERT)

    for steps in range(12):  # a stop may cut a transaction at BEGIN, mid-way or at COMMIT
        task = asyncio.create_task(write())
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await write()
    async with store.transaction() as tx:
        assert await tx.outbox.busy_count(["console"], 1e12) >= 1


async def test_an_update_is_handled_once_unless_the_platform_numbers_again(
    store: Database,
) -> None:
    async with store.transaction() as tx:
        assert not await tx.received.handled("telegram", 100, now=1000.0)
        assert await tx.received.handled("telegram", 100, now=1001.0)
        assert await tx.received.handled("telegram", 99, now=1001.0)
        assert not await tx.received.handled("irc", 5, now=1001.0)  # per platform
        assert not await tx.received.handled("telegram", 101, now=1002.0)
        # A day later Telegram holds no update from before: a lower number is new
        # (it renumbers after a week without updates).
        assert not await tx.received.handled("telegram", 7, now=1002.0 + 86_400)
        assert await tx.received.handled("telegram", 7, now=1003.0 + 86_400)
        counts = await tx.outbox.counts(1003.0 + 86_400)
    assert counts == []  # the marks are not delivery queues: `status` never shows them
