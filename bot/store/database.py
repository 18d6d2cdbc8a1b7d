"""The store's two engines, SQLite's transactions, and the migrations of both.

`Database.open(target)` opens SQLite for a path and PostgreSQL for a
`postgresql://` URL (`bot/store/postgres.py`); everything above the store sees
one `Database` and one `Tx` either way.

SQLite: one connection, one writer: every unit of work runs under one asyncio
lock inside `BEGIN IMMEDIATE ... COMMIT`, so a command either happens entirely
or not at all, and the outbox rows it promises are committed with it.

Migrations are history. Each applied file's sha256 is recorded with it, and a
database is refused (never touched) when a file changed after it ran there, or
when it carries a version this build does not have: running on top of either
is how a schema silently diverges. Databases made before checksums were
recorded are checked once against the schema the same files build from
scratch, then their checksums are written.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import aiosqlite

from bot.store.connection import SqliteConnection
from bot.store.transaction import Tx

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
CHECKPOINT_SECONDS = 1.0
CHECKPOINT_BACKSTOP_PAGES = 10_000
"""The writer checkpoints itself only past this (40 MB of WAL): normally it never does."""
_SPACES = re.compile(r"\s+")


class SchemaRefused(RuntimeError):
    """The database and this build's migrations disagree: nothing was changed.

    The message says what differs and what to do; `riposte` exits with status 2.
    """


class SchemaTooNew(SchemaRefused):
    """The database has migrations this build does not know (a newer or a diverged build)."""


class MigrationChanged(SchemaRefused):
    """A migration file differs from the one that was applied to this database."""


class SchemaDiverged(SchemaRefused):
    """A database without recorded checksums whose tables differ from what its migrations make."""


class SchemaNotCurrent(SchemaRefused):
    """Migrations are pending; a read-only command does not apply them."""


class DatabaseMissing(RuntimeError):
    """A read-only command was pointed at a file that does not exist."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def filename(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"

    @property
    def checksum(self) -> str:
        # Line endings are normalised: a checkout with CRLF is the same migration.
        text = self.sql.replace("\r\n", "\n")
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


ENGINES = ("sqlite", "postgresql")


def known_migrations(engine: str = "sqlite") -> list[Migration]:
    """This build's migrations for one engine. PostgreSQL's are a parallel set
    (`migrations/postgresql/`), numbered like SQLite's, each the same change."""
    folder = resources.files("bot.store").joinpath("migrations")
    if engine == "postgresql":
        folder = folder.joinpath("postgresql")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    return found


@dataclass(frozen=True, slots=True)
class SchemaState:
    """What a database has applied, compared with this build's migration files."""

    applied: dict[int, str | None]
    """Version -> recorded checksum (None: applied before checksums were recorded)."""
    pending: list[Migration] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    changed: list[tuple[Migration, str]] = field(default_factory=list)

    @property
    def version(self) -> int:
        return max(self.applied, default=0)


async def _checkpoints(path: str) -> None:
    """Copy the write-ahead log into the database from a connection of its own.

    Left to the writer, a checkpoint runs inside whichever commit crosses the
    threshold, holding the writer lock (and every command waiting for it) for
    up to hundreds of milliseconds during a big fan-out. A passive checkpoint
    from another connection runs beside the writer instead.
    """
    while True:
        await asyncio.sleep(CHECKPOINT_SECONDS)
        try:
            await asyncio.to_thread(_checkpoint, path)
        except sqlite3.Error as error:
            log.warning("checkpoint of %s failed: %s", path, error)


def _checkpoint(path: str) -> None:
    conn = sqlite3.connect(path, timeout=1.0)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()


def _compare(migrations: list[Migration], applied: dict[int, str | None]) -> SchemaState:
    by_version = {m.version: m for m in migrations}
    return SchemaState(
        applied=applied,
        pending=[m for m in migrations if m.version not in applied],
        unknown=sorted(v for v in applied if v not in by_version),
        changed=[
            (by_version[v], recorded)
            for v, recorded in sorted(applied.items())
            if v in by_version and recorded is not None and recorded != by_version[v].checksum
        ],
    )


def refusal(state: SchemaState) -> SchemaRefused | None:
    """Why this database must not be used by this build, or None."""
    if state.unknown:
        versions = ", ".join(f"{v:04d}" for v in state.unknown)
        known = max((v for v in state.applied if v not in state.unknown), default=0)
        return SchemaTooNew(
            f"the database has migration(s) {versions} that this Riposte does not have "
            f"(it knows up to {known:04d} of them); it was written by a newer or a "
            "different build: run that build, or restore a backup made before it"
        )
    if state.changed:
        names = ", ".join(
            f"{m.filename} (applied as sha256 {recorded[:12]}…, the file is now {m.checksum[:12]}…)"
            for m, recorded in state.changed
        )
        return MigrationChanged(
            f"migration file(s) changed after they were applied to this database: {names}. "
            "Migrations are never edited once released: restore the original file and put "
            "the change in a new numbered migration"
        )
    return None


_SCHEMA_QUERY = (
    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    " AND name != 'schema_migrations' AND sql IS NOT NULL"
)


def _schema(rows: list[tuple[str, str, str]] | list[aiosqlite.Row]) -> dict[str, str]:
    return {f"{kind} {name}": _SPACES.sub(" ", sql).strip() for kind, name, sql in rows}


def _expected_schema(migrations: list[Migration]) -> dict[str, str]:
    conn = sqlite3.connect(":memory:")
    try:
        for migration in migrations:
            conn.executescript(migration.sql)
        return _schema(conn.execute(_SCHEMA_QUERY).fetchall())
    finally:
        conn.close()


def is_postgres_url(target: Path | str) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def describe(target: Path | str) -> str:
    """A database for messages: the path, or the URL without any password."""
    if not is_postgres_url(target):
        return str(target)
    scheme, _, rest = str(target).partition("://")
    credentials, at, place = rest.rpartition("@")
    if at and ":" in credentials:
        credentials = credentials.split(":", 1)[0] + ":***"
    return f"{scheme}://{credentials}{at}{place}"


def schema_differences(actual: dict[str, str], expected: dict[str, str]) -> list[str]:
    found = [f"{name} is missing" for name in sorted(expected.keys() - actual.keys())]
    found += [f"{name} is not expected" for name in sorted(actual.keys() - expected.keys())]
    found += [
        f"{name} differs" for name in sorted(expected.keys() & actual.keys())
        if expected[name] != actual[name]
    ]  # fmt: skip
    return found


class Database:
    """What the rest of the bot uses, on either engine."""

    engine: str
    target: Path | str

    @staticmethod
    @asynccontextmanager
    async def open(
        target: Path | str,
        config_admins: frozenset[str] = frozenset(),
        *,
        readonly: bool = False,
        password: str | None = None,
        pool_size: int = 10,
        application: str = "riposte",
    ) -> AsyncIterator[Database]:
        """SQLite for a path, PostgreSQL for a `postgresql://` URL; `readonly` (status,
        backup, health) never creates nor changes anything."""
        if is_postgres_url(target):
            from bot.store.postgres import PostgresDatabase

            async with PostgresDatabase.open_url(
                str(target),
                config_admins,
                readonly=readonly,
                password=password,
                pool_size=pool_size,
                application=application,
            ) as pg:
                yield pg
        else:
            async with SqliteDatabase.open_file(target, config_admins, readonly=readonly) as lite:
                yield lite

    @property
    def postgres(self) -> bool:
        return self.engine == "postgresql"

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Tx]:
        raise NotImplementedError

    def reading(self) -> contextlib.AbstractAsyncContextManager[Tx]:
        raise NotImplementedError

    async def inspect(self) -> SchemaState:
        raise NotImplementedError

    async def migrate(self) -> list[Migration]:
        raise NotImplementedError

    async def applied_versions(self) -> set[int]:
        return set((await self.inspect()).applied)

    async def schema_version(self) -> int:
        return (await self.inspect()).version

    async def check_current(self) -> SchemaState:
        """Refuse, without writing, a database this build may not use or has not migrated."""
        state = await self.inspect()
        problem = refusal(state)
        if problem is not None:
            raise problem
        if state.pending:
            names = ", ".join(m.filename for m in state.pending)
            raise SchemaNotCurrent(
                f"the database is at schema version {state.version} and migrations are "
                f"pending ({names}); run `riposte migrate` (or start the bot) first"
            )
        return state

    async def backup(self, destination: Path) -> None:
        raise NotImplementedError


class SqliteDatabase(Database):
    engine = "sqlite"

    def __init__(
        self, conn: aiosqlite.Connection, config_admins: frozenset[str], target: Path | str
    ) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._config_admins = config_admins
        self._tx_conn = SqliteConnection(conn)
        self.target = target

    @classmethod
    @asynccontextmanager
    async def open_file(
        cls,
        path: Path | str,
        config_admins: frozenset[str] = frozenset(),
        *,
        readonly: bool = False,
    ) -> AsyncIterator[SqliteDatabase]:
        if readonly:
            where = await asyncio.to_thread(os.path.abspath, path)
            if str(path) == ":memory:" or not await asyncio.to_thread(os.path.isfile, where):
                raise DatabaseMissing(f"{path}: no such database")
            conn = await aiosqlite.connect(
                f"file:{quote(where)}?mode=ro", uri=True, isolation_level=None
            )
        else:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        checkpoints: asyncio.Task[None] | None = None
        try:
            conn.row_factory = aiosqlite.Row
            if not readonly:
                await conn.execute("PRAGMA journal_mode=WAL")
                await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            if not readonly and str(path) != ":memory:":
                await conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_BACKSTOP_PAGES}")
                checkpoints = asyncio.create_task(_checkpoints(str(path)), name="checkpoints")
            yield cls(conn, config_admins, path)
        finally:
            if checkpoints is not None:
                checkpoints.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await checkpoints
            await conn.close()

    async def _has_table(self, name: str) -> bool:
        async with self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ) as cur:
            return await cur.fetchone() is not None

    async def _applied(self) -> dict[int, str | None]:
        if not await self._has_table("schema_migrations"):
            return {}
        async with self._conn.execute("PRAGMA table_info(schema_migrations)") as cur:
            columns = {row[1] for row in await cur.fetchall()}
        checksum = "checksum" if "checksum" in columns else "NULL"
        async with self._conn.execute(f"SELECT version, {checksum} FROM schema_migrations") as cur:
            return {int(row[0]): row[1] for row in await cur.fetchall()}

    async def inspect(self) -> SchemaState:
        """Compare without writing anything (`riposte status` and `backup` use this)."""
        return _compare(known_migrations(), await self._applied())

    async def migrate(self) -> list[Migration]:
        """Apply pending migrations, after checking that the applied ones are the same files."""
        async with self._lock:
            migrations = known_migrations()
            state = _compare(migrations, await self._applied())
            problem = refusal(state)
            if problem is not None:
                raise problem
            await self._record_legacy_checksums(migrations, state)
            applied: list[Migration] = []
            for migration in state.pending:
                if migration.version < state.version:
                    log.warning(
                        "applying migration %s after %04d (it was added later)",
                        migration.filename,
                        state.version,
                    )
                log.info("applying migration %s", migration.filename)
                await self._apply(migration)
                applied.append(migration)
            return applied

    async def _ensure_journal(self) -> None:
        await self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL,"
            " checksum TEXT)"
        )
        async with self._conn.execute("PRAGMA table_info(schema_migrations)") as cur:
            columns = {row[1] for row in await cur.fetchall()}
        if "checksum" not in columns:
            await self._conn.execute("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")

    async def _record_legacy_checksums(
        self, migrations: list[Migration], state: SchemaState
    ) -> None:
        """Applied before checksums existed: the schema must be what those files make."""
        await self._ensure_journal()
        legacy = [v for v, recorded in state.applied.items() if recorded is None]
        if not legacy:
            return
        applied = [m for m in migrations if m.version in state.applied]
        expected = await asyncio.to_thread(_expected_schema, applied)
        async with self._conn.execute(_SCHEMA_QUERY) as cur:
            actual = _schema(list(await cur.fetchall()))
        differences = schema_differences(actual, expected)
        if differences:
            raise SchemaDiverged(
                "the database's tables differ from what migrations "
                f"{', '.join(m.filename for m in applied)} make ({'; '.join(differences[:6])}). "
                "It was made by a build whose migrations were edited later: export what you "
                "need and start from a new database, or restore a backup made by a release"
            )
        by_version = {m.version: m for m in migrations}
        await self._conn.executemany(
            "UPDATE schema_migrations SET checksum = ? WHERE version = ?",
            [(by_version[v].checksum, v) for v in legacy],
        )
        log.info("recorded the checksums of migrations %s", ", ".join(f"{v:04d}" for v in legacy))

    async def _apply(self, migration: Migration) -> None:
        """One migration in one transaction, foreign keys checked at the end.

        Enforcement is off while it runs (SQLite's documented way to rebuild a
        table: dropping the old one must not cascade), and a violation left at
        the end rolls the whole migration back.
        """
        conn = self._conn
        await conn.execute("PRAGMA foreign_keys=OFF")
        try:
            try:
                # executescript commits what is open before it starts: BEGIN goes inside.
                await conn.executescript(f"BEGIN IMMEDIATE;\n{migration.sql}\n;")
                async with conn.execute("PRAGMA foreign_key_check") as cur:
                    violations = list(await cur.fetchall())
                if violations:
                    raise SchemaRefused(
                        f"{migration.filename} leaves {len(violations)} foreign key "
                        f"violation(s) (first in table {violations[0][0]}); nothing was changed"
                    )
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at, checksum)"
                    " VALUES (?, ?, ?, ?)",
                    (migration.version, migration.name, time.time(), migration.checksum),
                )
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
        finally:
            await conn.execute("PRAGMA foreign_keys=ON")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield Tx(self._tx_conn, self._config_admins)
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._abandon()
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Tx]:
        """Queries only, outside the writer lock (a read-only connection has no writes)."""
        try:
            await self._conn.execute("BEGIN")
            yield Tx(self._tx_conn, self._config_admins)
        finally:
            await self._abandon()

    @property
    def raw_connection(self) -> aiosqlite.Connection:
        """The aiosqlite connection itself (copy-db reads through it)."""
        return self._conn

    @asynccontextmanager
    async def bulk_load(self) -> AsyncIterator[aiosqlite.Connection]:
        """One transaction for a whole copy, references checked at its end (a table may
        point at rows of a table copied later, or at itself)."""
        async with self._lock:
            await self._conn.execute("PRAGMA foreign_keys=OFF")
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    await self._abandon()
                    raise
                await self._conn.execute("COMMIT")
            finally:
                await self._conn.execute("PRAGMA foreign_keys=ON")

    async def _abandon(self) -> None:
        """Roll back whatever is open, however the transaction was interrupted.

        A statement handed to the connection runs even if its caller is cancelled
        (a stop cutting a transaction short): this ROLLBACK is queued behind it,
        before the lock lets anyone else BEGIN. It fails harmlessly when the
        transaction had not started or had already committed.
        """
        with contextlib.suppress(sqlite3.Error, asyncio.CancelledError):
            await self._conn.execute("ROLLBACK")

    async def backup(self, destination: Path) -> None:
        """A consistent copy while the bot runs (SQLite's online backup)."""
        async with self._lock:
            dest = await aiosqlite.connect(str(destination))
            try:
                await self._conn.backup(dest)
            finally:
                await dest.close()
