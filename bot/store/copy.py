"""`riposte copy-db FROM TO`: a whole network from one store to another, either engine.

The source is read in one snapshot (it may be running); the target must be a
new store, migrated to the same versions (this migrates it first) and empty.
Every table is copied in an order that satisfies its references, ids kept,
PostgreSQL's identity counters moved past them; the order rows were inserted
in (SQLite's rowid, PostgreSQL's `seq`) is kept. Then every table is counted
on both sides: a copy that does not match says where.

What only describes running processes (their heartbeats, rate shares, held
rooms, the running instance) is not copied.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.store.database import Database, SchemaRefused, SqliteDatabase

log = logging.getLogger(__name__)

TABLES: tuple[str, ...] = (
    "members",
    "identities",
    "member_codes",
    "grants",
    "subscriptions",
    "rooms",
    "room_tags",
    "tag_aliases",
    "scope_roles",
    "alerts",
    "alert_acks",
    "held_alerts",
    "outbox_payloads",
    "outbox",
    "delivery_state",
    "delivery_minutes",
    "received_updates",
    "audit_log",
    "invitations",
    "clips",
    "clip_files",
    "timers",
    "tasks",
    "task_events",
    "content",
    "content_variants",
    "pushes",
    "push_runs",
    "push_targets",
    "share_subscribers",
    "push_sharers",
    "share_kits",
    "social_limits",
    "short_links",
    "link_visits",
    "web_logins",
    "web_sessions",
)
"""Every table with the network's data, parents before children."""
NOT_COPIED: frozenset[str] = frozenset(
    {
        "schema_migrations",
        "running_instance",
        "processes",
        "delivery_shares",
        "delivery_rooms",
        "transport_links",
        # The barometer's daily counts: the target's triggers rebuild them from the rows.
        "activity_member_days",
        "activity_scope_days",
    }
)
ORDERED_BY_INSERTION = frozenset({"identities", "subscriptions", "room_tags", "alert_acks"})
BATCH = 5_000


class CopyRefused(SchemaRefused):
    """The target is not a new store, or the two stores are not at the same version."""


@dataclass(frozen=True, slots=True)
class Copied:
    table: str
    source: int
    target: int


class _Side:
    """One store, as the copy reads or writes it."""

    engine: str

    async def tables(self) -> set[str]:
        raise NotImplementedError

    async def columns(self, table: str) -> dict[str, str]:
        """Column -> type, without PostgreSQL's `seq` (its own insertion counter)."""
        raise NotImplementedError

    async def count(self, table: str) -> int:
        raise NotImplementedError

    def rows(self, table: str, columns: Sequence[str]) -> AsyncIterator[list[tuple[Any, ...]]]:
        raise NotImplementedError

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    async def finish(self) -> None:
        """After every table: checks and counters."""


class _Sqlite(_Side):
    engine = "sqlite"

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def tables(self) -> set[str]:
        rows = await self._conn.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return {r[0] for r in rows}

    async def columns(self, table: str) -> dict[str, str]:
        rows = await self._conn.execute_fetchall(f"PRAGMA table_info({table})")
        return {r[1]: (r[2] or "").upper() for r in rows}

    async def count(self, table: str) -> int:
        rows = await self._conn.execute_fetchall(f"SELECT COUNT(*) FROM {table}")
        return int(rows[0][0])

    async def rows(
        self, table: str, columns: Sequence[str]
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        found = await self._conn.execute_fetchall(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        )
        # A WITHOUT ROWID table is stored in its primary key's order: keep that.
        order = "1" if found and "WITHOUT ROWID" in str(found[0][0]).upper() else "rowid"
        async with self._conn.execute(
            f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
        ) as cur:
            while True:
                batch = await cur.fetchmany(BATCH)
                if not batch:
                    return
                yield [tuple(r) for r in batch]

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" for _ in columns)
        await self._conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
        )

    async def finish(self) -> None:
        problems = await self._conn.execute_fetchall("PRAGMA foreign_key_check")
        if problems:
            raise CopyRefused(f"the copy breaks {len(problems)} reference(s); nothing kept")


class _Postgres(_Side):
    engine = "postgresql"

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def tables(self) -> set[str]:
        rows = await self._conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema ="
            " current_schema() AND table_type = 'BASE TABLE'"
        )
        return {r[0] for r in rows}

    async def columns(self, table: str) -> dict[str, str]:
        rows = await self._conn.fetch(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
        return {r[0]: r[1].upper() for r in rows if r[0] != "seq"}

    async def count(self, table: str) -> int:
        return int(await self._conn.fetchval(f"SELECT COUNT(*) FROM {table}"))

    async def rows(
        self, table: str, columns: Sequence[str]
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        order = "seq" if table in ORDERED_BY_INSERTION else "1"
        if order == "1" and "id" in columns:
            order = "id"
        cursor = self._conn.cursor(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
        batch: list[tuple[Any, ...]] = []
        async for record in cursor:
            batch.append(tuple(record))
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        await self._conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def finish(self) -> None:
        """Identity counters past the copied ids, so that new rows do not collide."""
        rows = await self._conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_identity = 'YES'"
        )
        for table, column in rows:
            await self._conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
            )


def _converter(kind: str) -> Callable[[Any], Any]:
    """Values as the PostgreSQL column's binary COPY wants them."""
    if kind in ("DOUBLE PRECISION", "REAL"):
        return lambda v: None if v is None else float(v)
    if kind in ("INTEGER", "BIGINT", "SMALLINT"):
        return lambda v: None if v is None else int(v)
    if kind == "TEXT":
        return lambda v: None if v is None else str(v)
    return lambda v: v


@asynccontextmanager
async def _reading(db: Database) -> AsyncIterator[_Side]:
    if isinstance(db, SqliteDatabase):
        async with db.reading():
            yield _Sqlite(db.raw_connection)
        return
    from bot.store.postgres import PostgresDatabase

    assert isinstance(db, PostgresDatabase)
    async with db.snapshot() as pg:
        yield _Postgres(pg.raw)


@asynccontextmanager
async def _writing(db: Database) -> AsyncIterator[_Side]:
    if isinstance(db, SqliteDatabase):
        async with db.bulk_load() as conn:
            yield _Sqlite(conn)
        return
    from bot.store.postgres import PostgresDatabase

    assert isinstance(db, PostgresDatabase)
    async with db.session() as pg, pg.raw.transaction():
        yield _Postgres(pg.raw)


async def copy_database(
    source: Database, target: Database, progress: Callable[[Copied], None] = lambda _: None
) -> list[Copied]:
    """Copy everything; the counts per table, equal on both sides (else CopyRefused)."""
    await source.check_current()
    await target.migrate()
    source_versions = await source.applied_versions()
    target_versions = await target.applied_versions()
    if source_versions != target_versions:
        raise CopyRefused(
            "the two stores are not at the same schema version (source: "
            f"{max(source_versions, default=0):04d}, target: {max(target_versions, default=0):04d})"
            "; run the same Riposte on both"
        )
    copied: list[Copied] = []
    async with _reading(source) as reader, _writing(target) as writer:
        tables = await reader.tables()
        unknown = sorted(tables - set(TABLES) - NOT_COPIED)
        if unknown:
            raise CopyRefused(f"tables this build does not know how to copy: {unknown}")
        for table in TABLES:
            if await writer.count(table):
                raise CopyRefused(
                    f"the target already holds data ({table}): copy-db copies into a new store"
                )
        for table in TABLES:
            if table not in tables:
                continue
            columns = await reader.columns(table)
            wanted = await writer.columns(table)
            if set(columns) != set(wanted):
                raise CopyRefused(f"{table}: the columns differ between the two stores")
            names = list(wanted)
            convert = (
                [_converter(wanted[n]) for n in names] if writer.engine == "postgresql" else []
            )
            async for batch in reader.rows(table, names):
                if convert:
                    batch = [
                        tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in batch
                    ]
                await writer.write(table, names, batch)
        await writer.finish()
        for table in TABLES:
            if table not in tables:
                continue
            counted = Copied(table, await reader.count(table), await writer.count(table))
            copied.append(counted)
            progress(counted)
        wrong = [c for c in copied if c.source != c.target]
        if wrong:  # raised inside the target's transaction: nothing of the copy is kept
            raise CopyRefused(
                "counts differ after the copy: "
                + ", ".join(f"{c.table} {c.source} -> {c.target}" for c in wrong)
            )
    return copied
