"""The PostgreSQL migrations are the SQLite ones: same numbers, same tables and columns."""

from __future__ import annotations

import sqlite3

import asyncpg

from bot.store.database import known_migrations


def test_every_migration_has_its_postgresql_twin() -> None:
    sqlite = [(m.version, m.name) for m in known_migrations()]
    postgres = [(m.version, m.name) for m in known_migrations("postgresql")]
    assert postgres == sqlite


async def test_both_engines_build_the_same_tables_and_columns(pg_url: str) -> None:
    conn = sqlite3.connect(":memory:")
    for migration in known_migrations():
        conn.executescript(migration.sql)
    lite: dict[str, set[str]] = {}
    for (table,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
        " AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        lite[table] = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    pg = await asyncpg.connect(pg_url)
    try:
        rows = await pg.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        )
    finally:
        await pg.close()
    postgres: dict[str, set[str]] = {}
    for table, column in rows:
        if column != "seq":  # PostgreSQL's stand-in for SQLite's rowid
            postgres.setdefault(table, set()).add(column)
    postgres.pop("schema_migrations", None)
    assert postgres == lite
