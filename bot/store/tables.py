"""The schema as data: which tables exist, which columns point at members, which hold text.

Linking and forgetting walk these instead of a list kept by hand, so a table
added by a later migration is followed without anyone remembering to. Each
engine describes itself its own way (SQLite's catalogue and pragmas,
PostgreSQL's information schema); the answers are the same.
"""

from __future__ import annotations

from bot.store.connection import Connection

_IGNORED = frozenset({"schema_migrations"})


async def table_names(conn: Connection) -> list[str]:
    """The database's own tables (not the engine's, not the connection's temporary ones)."""
    if conn.dialect.postgres:
        rows = await conn.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema ="
            " current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    else:
        rows = await conn.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    return [str(row[0]) for row in rows if str(row[0]) not in _IGNORED]


async def member_references(conn: Connection) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to `members(id)`."""
    if conn.dialect.postgres:
        rows = await conn.fetchall(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)"
            " WHERE c.contype = 'f' AND c.confrelid = 'members'::regclass"
            " ORDER BY 1, 2"
        )
        return [(str(table), str(column)) for table, column in rows]
    found: list[tuple[str, str]] = []
    for table in await table_names(conn):
        for row in await conn.fetchall(f'PRAGMA foreign_key_list("{table}")'):
            if row["table"] == "members" and row["to"] in (None, "id"):
                found.append((table, str(row["from"])))
    return found


async def text_columns(conn: Connection) -> list[tuple[str, str]]:
    """(table, column) of every column that may hold text (declared TEXT, or untyped)."""
    if conn.dialect.postgres:
        tables = set(await table_names(conn))
        rows = await conn.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND data_type IN ('text',"
            " 'character varying', 'character') ORDER BY table_name, ordinal_position"
        )
        return [(str(t), str(c)) for t, c in rows if str(t) in tables]
    found: list[tuple[str, str]] = []
    for table in await table_names(conn):
        for row in await conn.fetchall(f'PRAGMA table_info("{table}")'):
            kind = str(row["type"] or "").upper()
            if kind in ("", "TEXT") or "CHAR" in kind or "CLOB" in kind:
                found.append((table, str(row["name"])))
    return found
