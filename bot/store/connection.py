"""The one connection repositories talk to, whichever engine is under it.

Five calls: `fetchall`, `fetchone`, `fetchval` for queries, `execute` (the
number of rows changed) and `executemany` for changes. Rows are read by
position or by column name (`sqlite3.Row` and `asyncpg.Record` both allow
both). SQL is written once (`bot.store.dialect`); the PostgreSQL connection
rewrites its placeholders.

`notify(channel)` says what a transaction created work for (deliveries of a
platform, clips, timers, social posts): PostgreSQL tells the other processes
when the transaction commits (NOTIFY is transactional), so they wake up
instead of polling; SQLite has no other process to tell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

import aiosqlite
import asyncpg

from bot.store.dialect import POSTGRESQL, SQLITE, Dialect, to_postgres

Row: TypeAlias = Any
"""A result row: `row[0]`, `row["name"]`, unpacking, `dict(row)`."""
Params: TypeAlias = Sequence[Any] | Mapping[str, Any]


class Connection:
    """The calls repositories make; one implementation per engine."""

    dialect: Dialect

    def __init__(self) -> None:
        self.channels: set[str] = set()

    def notify(self, channel: str) -> None:
        """Other processes are told at commit (PostgreSQL); a no-op elsewhere."""
        self.channels.add(channel)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        raise NotImplementedError

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""
        raise NotImplementedError

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        raise NotImplementedError

    async def update_or_ignore(self, table: str, column: str, new: Any, old: Any) -> int:
        """Set `column` from `old` to `new` where that breaks no uniqueness; rows that would
        be duplicates keep `old` (SQLite's UPDATE OR IGNORE). Rows changed."""
        raise NotImplementedError

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Many new rows at once (PostgreSQL: COPY, the fastest way in)."""
        marks = ", ".join("?" for _ in columns)
        await self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


class SqliteConnection(Connection):
    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection) -> None:
        super().__init__()
        self.raw = conn

    def notify(self, channel: str) -> None:
        """One process per SQLite database: its own callbacks wake its services."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        # One round trip to aiosqlite's thread instead of two (execute, then fetch).
        return list(await self.raw.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self.raw.execute(sql, params) as cur:
            return await cur.fetchone()

    async def execute(self, sql: str, params: Params = ()) -> int:
        cur = await self.raw.execute(sql, params)
        count = cur.rowcount
        await cur.close()
        return count

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.raw.executemany(sql, rows)

    async def update_or_ignore(self, table: str, column: str, new: Any, old: Any) -> int:
        return await self.execute(
            f'UPDATE OR IGNORE "{table}" SET "{column}" = ? WHERE "{column}" = ?', (new, old)
        )


COPY_FROM = 50
"""Rows from which COPY beats a batch of INSERTs (one round trip either way)."""


def _count(status: str) -> int:
    """asyncpg's command tag (`UPDATE 3`, `INSERT 0 5`): the rows changed."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresConnection(Connection):
    dialect = POSTGRESQL

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.raw = conn
        """An `asyncpg.Connection` (untyped: asyncpg ships no type hints)."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        text, args = to_postgres(sql, params)
        return list(await self.raw.fetch(text, *args))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        text, args = to_postgres(sql, params)
        return await self.raw.fetchrow(text, *args)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        text, args = to_postgres(sql, params)
        return await self.raw.fetchval(text, *args)

    async def execute(self, sql: str, params: Params = ()) -> int:
        text, args = to_postgres(sql, params)
        return _count(await self.raw.execute(text, *args))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        listed = list(rows)
        if not listed:
            return
        text, _ = to_postgres(sql, listed[0])
        await self.raw.executemany(text, [to_postgres(sql, row)[1] for row in listed])

    async def update_or_ignore(self, table: str, column: str, new: Any, old: Any) -> int:
        """Row by row, each under a savepoint: a duplicate undoes only its own update (a
        failed statement would otherwise abort the whole transaction)."""
        rows = await self.raw.fetch(
            f'SELECT ctid FROM "{table}" WHERE "{column}" = $1 FOR UPDATE', old
        )
        changed = 0
        for (address,) in rows:
            try:
                async with self.raw.transaction():  # a savepoint inside the open transaction
                    await self.raw.execute(
                        f'UPDATE "{table}" SET "{column}" = $1 WHERE ctid = $2',
                        new,
                        address,
                    )
                changed += 1
            except asyncpg.UniqueViolationError:
                continue
        return changed

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if len(rows) < COPY_FROM:
            await super().insert_rows(table, columns, rows)
            return
        await self.raw.copy_records_to_table(table, records=list(rows), columns=list(columns))
