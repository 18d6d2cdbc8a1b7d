"""Migrations are history: a database made by an older build upgrades, and one that does
not match this build's migration files is refused without being touched."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiosqlite
import pytest

from bot.delivery import DeliveryEngine
from bot.store import Database, known_migrations
from bot.store.database import Migration, SchemaDiverged, SchemaRefused, SchemaTooNew
from tests.fakes.config_files import write_config
from tests.fakes.recording_transport import RecordingTransport

FIXTURES = Path(__file__).parent / "fixtures"


def _copy(name: str, tmp_path: Path) -> Path:
    path = tmp_path / "riposte.db"
    shutil.copyfile(FIXTURES / name, path)
    return path


def _riposte(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_database_made_by_main_upgrades_and_delivers_what_it_had_promised(
    tmp_path: Path,
) -> None:
    path = _copy("riposte-main-0005.db", tmp_path)
    async with Database.open(path) as db:
        applied = await db.migrate()
        assert [m.version for m in applied] == [m.version for m in known_migrations()][3:]
        async with db.transaction() as tx:
            pending = await tx.outbox.get(6)
            edit = await tx.outbox.get(9)
        assert pending is not None and pending.status == "pending"
        assert "Deuxième alerte" in pending.message.text
        assert edit is not None and edit.edit_of == 4 and "[annulée]" in edit.message.text
        telegram = RecordingTransport(platform="telegram")
        engine = DeliveryEngine(db, {"telegram": telegram})
        task = asyncio.create_task(engine.run())
        assert await engine.wait_idle(10)
        engine.stop()
        await task
    assert telegram.texts_to("-1001000000001") == [pending.message.text]
    with sqlite3.connect(path) as conn:
        checksums = dict(conn.execute("SELECT version, checksum FROM schema_migrations"))
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        payloads = conn.execute("SELECT COUNT(*) FROM outbox_payloads").fetchone()[0]
        linked = conn.execute(
            "SELECT COUNT(*) FROM outbox o JOIN outbox_payloads p ON p.id = o.payload_id"
        ).fetchone()[0]
    assert checksums == {m.version: m.checksum for m in known_migrations()}
    assert "outbox_edit_of" in indexes
    assert linked == 10  # every row kept its message ...
    assert payloads == 9  # ... and the two copies of alert A2 now share one


def test_status_and_backup_read_an_old_database_without_changing_it(tmp_path: Path) -> None:
    path = _copy("riposte-main-0005.db", tmp_path)
    config = write_config(tmp_path)
    before = _digest(path)
    status = _riposte("status", "--config", str(config))
    assert status.returncode == 2
    assert "migrations are pending (0006_delivery_payloads.sql" in status.stderr
    assert "riposte migrate" in status.stderr
    backup = _riposte("backup", str(tmp_path / "copy.db"), "--config", str(config))
    assert backup.returncode == 0, backup.stderr
    assert _digest(path) == before
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 10
    (tmp_path / "empty").mkdir()
    missing = _riposte("status", "--config", str(write_config(tmp_path / "empty")))
    assert missing.returncode == 2 and "no such database" in missing.stderr
    assert not (tmp_path / "empty" / "riposte.db").exists()


def test_a_migration_changed_after_it_ran_is_refused_at_start(tmp_path: Path) -> None:
    path = _copy("riposte-tampered-0003.db", tmp_path)
    before = _digest(path)
    done = _riposte("run", "--config", str(write_config(tmp_path)))
    assert done.returncode == 2
    assert "0003_scope_roles.sql" in done.stderr and "changed after" in done.stderr
    assert "Traceback" not in done.stderr
    assert _digest(path) == before


async def test_unknown_versions_are_refused_even_below_the_newest(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "a.db") as db:
        await db.migrate()
    async with aiosqlite.connect(tmp_path / "a.db") as conn:
        await conn.execute("INSERT INTO schema_migrations VALUES (2, 'lost', 0, 'x')")
        await conn.commit()
    async with Database.open(tmp_path / "a.db") as db:
        with pytest.raises(SchemaTooNew, match="0002"):
            await db.migrate()


async def test_an_old_database_whose_tables_differ_from_its_migrations_is_refused(
    tmp_path: Path,
) -> None:
    # A database made while 0001 still lacked a column it has now.
    path = _copy("riposte-main-0005.db", tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE outbox DROP COLUMN coalesced")
    async with Database.open(path) as db:
        with pytest.raises(SchemaDiverged, match="table outbox differs"):
            await db.migrate()
        assert await db.schema_version() == 5


async def test_a_migration_leaving_broken_references_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = Migration(
        9999,
        "broken",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent(id));"
        "INSERT INTO child VALUES (42);",
    )
    monkeypatch.setattr(
        "bot.store.database.known_migrations", lambda: [*known_migrations(), broken]
    )
    async with Database.open(tmp_path / "a.db") as db:
        with pytest.raises(SchemaRefused, match="foreign key"):
            await db.migrate()
        assert await db.schema_version() == known_migrations()[-1].version
        async with db.transaction() as tx:
            found = await tx._conn.fetchone("SELECT name FROM sqlite_master WHERE name = 'child'")
            assert found is None


async def test_telegram_update_marks_move_to_their_own_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = known_migrations()
    monkeypatch.setattr(
        "bot.store.database.known_migrations", lambda: [m for m in every if m.version < 14]
    )
    async with Database.open(tmp_path / "a.db") as db:
        await db.migrate()
        async with db.transaction() as tx:
            await tx._conn.execute(
                "INSERT INTO delivery_state (platform, paused_until, updated_at)"
                " VALUES ('telegram:received', 4242, strftime('%s', 'now'))"
            )
        monkeypatch.setattr("bot.store.database.known_migrations", lambda: every)
        await db.migrate()
        async with db.transaction() as tx:
            assert await tx.received.handled("telegram", 4242)
            assert not await tx.received.handled("telegram", 4243)
            rows = await tx._conn.fetchall("SELECT platform FROM delivery_state")
            assert [row[0] for row in rows] == []
