"""The schema as data: which tables exist, which columns point at members, which hold text.

Linking and forgetting walk these instead of a list kept by hand, so a table
added by a later migration is followed without anyone remembering to.
"""

from __future__ import annotations

import aiosqlite


async def table_names(conn: aiosqlite.Connection) -> list[str]:
    """The database's own tables (not SQLite's, not the connection's temporary ones)."""
    async with conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    ) as cur:
        return [str(row[0]) for row in await cur.fetchall()]


async def member_references(conn: aiosqlite.Connection) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to `members(id)`."""
    found: list[tuple[str, str]] = []
    for table in await table_names(conn):
        async with conn.execute(f'PRAGMA foreign_key_list("{table}")') as cur:
            for row in await cur.fetchall():
                if row["table"] == "members" and row["to"] in (None, "id"):
                    found.append((table, str(row["from"])))
    return found


async def text_columns(conn: aiosqlite.Connection) -> list[tuple[str, str]]:
    """(table, column) of every column that may hold text (declared TEXT, or untyped)."""
    found: list[tuple[str, str]] = []
    for table in await table_names(conn):
        async with conn.execute(f'PRAGMA table_info("{table}")') as cur:
            for row in await cur.fetchall():
                kind = str(row["type"] or "").upper()
                if kind in ("", "TEXT") or "CHAR" in kind or "CLOB" in kind:
                    found.append((table, str(row["name"])))
    return found
