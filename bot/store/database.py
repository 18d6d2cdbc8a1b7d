"""The SQLite connection, its transactions and its migrations.

One connection, one writer: every unit of work runs under one asyncio lock
inside `BEGIN IMMEDIATE ... COMMIT`, so a command either happens entirely or
not at all, and the outbox rows it promises are committed with it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.store.transaction import Tx

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class SchemaTooNew(RuntimeError):
    """The database was written by a newer Riposte; opening it could corrupt it."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def known_migrations() -> list[Migration]:
    found: list[Migration] = []
    for entry in resources.files("bot.store").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    return found


class Database:
    def __init__(self, conn: aiosqlite.Connection, config_admins: frozenset[str]) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._config_admins = config_admins

    @classmethod
    @asynccontextmanager
    async def open(
        cls, path: Path | str, config_admins: frozenset[str] = frozenset()
    ) -> AsyncIterator[Database]:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA synchronous=NORMAL")
            yield cls(conn, config_admins)
        finally:
            await conn.close()

    async def applied_versions(self) -> set[int]:
        await self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
        async with self._conn.execute("SELECT version FROM schema_migrations") as cur:
            return {int(row[0]) for row in await cur.fetchall()}

    async def schema_version(self) -> int:
        return max(await self.applied_versions(), default=0)

    async def migrate(self) -> list[Migration]:
        """Apply pending migrations; refuse a database newer than this code."""
        async with self._lock:
            applied_before = await self.applied_versions()
            current = max(applied_before, default=0)
            migrations = known_migrations()
            latest = migrations[-1].version if migrations else 0
            if current > latest:
                raise SchemaTooNew(
                    f"the database is at schema version {current} but this Riposte knows "
                    f"only up to {latest}; upgrade Riposte, or restore a backup"
                )
            applied: list[Migration] = []
            for migration in migrations:
                if migration.version in applied_before:
                    continue
                log.info("applying migration %04d_%s", migration.version, migration.name)
                script = (
                    "BEGIN IMMEDIATE;\n"
                    f"{migration.sql}\n"
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                    f"({migration.version}, '{migration.name}', {time.time()});\n"
                    "COMMIT;"
                )
                try:
                    await self._conn.executescript(script)
                except Exception:
                    if self._conn.in_transaction:
                        await self._conn.execute("ROLLBACK")
                    raise
                applied.append(migration)
            return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn, self._config_admins)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def backup(self, destination: Path) -> None:
        """A consistent copy while the bot runs (SQLite's online backup)."""
        async with self._lock:
            dest = await aiosqlite.connect(str(destination))
            try:
                await self._conn.backup(dest)
            finally:
                await dest.close()
