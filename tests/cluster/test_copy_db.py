"""`riposte copy-db`: SQLite to PostgreSQL and back, every row, verified by counts."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.store.copy import NOT_COPIED, ORDERED_BY_INSERTION, TABLES
from bot.store.database import known_migrations
from tests.fakes.config_files import write_config
from tests.harness import OPEN_JOIN, running_bot


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        # The barometer's daily counts are not copied: the target's triggers rebuild them.
        rebuilt = ("activity_member_days", "activity_scope_days")
        dump = {
            t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in (*TABLES, *rebuilt)
        }
        for table in ORDERED_BY_INSERTION:  # and in the order they were inserted
            dump[table] = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        return dump
    finally:
        conn.close()


def _copy(config: Path, source: str, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "copy-db", source, target, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_a_network_goes_to_postgresql_and_back_with_every_row(
    tmp_path: Path, pg_url: str
) -> None:
    async with running_bot(tmp_path, admins=frozenset({"fake:alice"}), members=OPEN_JOIN) as bot:
        await bot.say("#paris", "alice", "/link dept:075")
        await bot.say("#lyon", "alice", "/link dept:069 national")
        await bot.say("#lyon", "bob", "/join")
        await bot.say("#lyon", "bob", "/subscribe dept:075 retraites")
        await bot.say("#paris", "alice", "/alias #retraite #retraites")
        await bot.say("#paris", "alice", "/alert Député X ment https://example.org/1 #dept:075")
        await bot.say("#lyon", "bob", "/ack A1")
        await bot.say("#paris", "alice", "/task A1 rebuttal Le vrai chiffre due 30m")
        await bot.say("#lyon", "bob", "/claim T1")
        await bot.say("#paris", "alice", "/invite 2 dept:075")
        await bot.say("#paris", "alice", "/cancel A1")
    source = tmp_path / "bot.db"
    before = _dump(source)
    assert all(
        before[t]
        for t in ("members", "alerts", "outbox", "tasks", "invitations", "activity_scope_days")
    )

    config = write_config(tmp_path)
    there = _copy(config, str(source), pg_url)
    assert there.returncode == 0, there.stderr
    assert "counts match" in there.stdout
    back = tmp_path / "back.db"
    again = _copy(config, pg_url, str(back))
    assert again.returncode == 0, again.stderr
    assert _dump(back) == before  # every row, ids, order and values as they were

    refused = _copy(config, str(source), pg_url)  # never into a store that holds data
    assert refused.returncode == 2
    assert "new store" in refused.stderr and "Traceback" not in refused.stderr


def test_every_table_is_copied_or_known_to_describe_processes() -> None:
    conn = sqlite3.connect(":memory:")
    for migration in known_migrations():
        conn.executescript(migration.sql)
    tables = {
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not r[0].startswith("sqlite_")
    }
    assert tables - NOT_COPIED == set(TABLES)
