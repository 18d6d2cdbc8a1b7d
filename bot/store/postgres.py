"""The store on PostgreSQL, shared by several processes, through asyncpg.

Transactions: within one process they run one at a time (an asyncio lock, as
on SQLite), so a command sees what the previous one did exactly as on the
embedded engine; across processes PostgreSQL's row locks and conditional
updates keep them apart, and claims skip rows another worker holds (`FOR
UPDATE SKIP LOCKED`). The pool gives reads (`reading`) and the listener
their own connections.

Wake-ups: a transaction that created work for other processes (deliveries,
clips, timers, social posts) says so with `notify`; the NOTIFY is sent just
before its COMMIT, so PostgreSQL delivers it only if the work is committed,
and a listening process (`listen`) wakes the right service at once instead of
polling.

Migrations: `migrations/postgresql/NNNN_*.sql`, numbered like SQLite's, each
applied in one transaction and recorded with its sha256 under the same rules
(a changed file or an unknown version is refused). Two processes starting at
once take turns on an advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from bot.store.connection import PostgresConnection
from bot.store.database import (
    Database,
    DatabaseMissing,
    Migration,
    SchemaState,
    _compare,
    describe,
    known_migrations,
    refusal,
)
from bot.store.transaction import Tx

log = logging.getLogger(__name__)

CHANNEL = "riposte"
"""The one LISTEN/NOTIFY channel; the payload says what for (`outbox`, `clips`, …)."""
MIGRATIONS_LOCK = 0x52495053_00000001
"""Advisory lock keys (bigint): migrations, and the owner of the platform connections."""
OWNER_LOCK = 0x52495053_00000002
CONNECT_TIMEOUT = 10.0
LISTEN_RETRY_SECONDS = 2.0


class DatabaseUnavailable(RuntimeError):
    """The PostgreSQL server could not be reached or refused us; the message says why."""


def _explain(url: str, error: BaseException) -> str:
    return f"{describe(url)}: {type(error).__name__}: {error}"


class PostgresDatabase(Database):
    engine = "postgresql"

    def __init__(
        self,
        pool: Any,
        url: str,
        config_admins: frozenset[str],
        *,
        password: str | None,
        application: str,
    ) -> None:
        self._pool = pool
        self._url = url
        self._password = password
        self._application = application
        self._config_admins = config_admins
        self._lock = asyncio.Lock()
        self.target = url

    @classmethod
    @asynccontextmanager
    async def open_url(
        cls,
        url: str,
        config_admins: frozenset[str] = frozenset(),
        *,
        readonly: bool = False,
        password: str | None = None,
        pool_size: int = 10,
        application: str = "riposte",
    ) -> AsyncIterator[PostgresDatabase]:
        # No JIT compilation: it pays off for long analytical queries, and cost a national
        # fan-out (one big INSERT … SELECT) half a second of compiling for nothing.
        settings = {"application_name": application[:63], "jit": "off"}
        if readonly:
            settings["default_transaction_read_only"] = "on"
        try:
            pool = await asyncpg.create_pool(
                url,
                password=password or None,
                min_size=1,
                max_size=max(2, pool_size),
                timeout=CONNECT_TIMEOUT,
                statement_cache_size=1024,
                server_settings=settings,
            )
        except asyncpg.InvalidCatalogNameError as error:
            raise DatabaseMissing(_explain(url, error)) from None
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            raise DatabaseUnavailable(_explain(url, error)) from None
        try:
            yield cls(pool, url, config_admins, password=password, application=application)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pool.close(), 5)

    async def connect(self, application: str | None = None) -> Any:
        """A connection of its own, outside the pool (listeners, the owner's lock)."""
        return await asyncpg.connect(
            self._url,
            password=self._password or None,
            timeout=CONNECT_TIMEOUT,
            server_settings={"application_name": (application or self._application)[:63]},
        )

    # --- transactions ---------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._lock, self._pool.acquire() as raw:
            conn = PostgresConnection(raw)
            work = raw.transaction()
            await work.start()
            try:
                yield Tx(conn, self._config_admins)
                if conn.channels:
                    await raw.execute(
                        "SELECT pg_notify($1, c) FROM unnest($2::text[]) AS c",
                        CHANNEL,
                        sorted(conn.channels),
                    )
                await work.commit()
            except BaseException:
                with contextlib.suppress(Exception):
                    await asyncio.shield(work.rollback())
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Tx]:
        async with self._pool.acquire() as raw:
            work = raw.transaction(readonly=True, isolation="repeatable_read")
            await work.start()
            try:
                yield Tx(PostgresConnection(raw), self._config_admins)
            finally:
                with contextlib.suppress(Exception):
                    await work.rollback()

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[PostgresConnection]:
        """One consistent read of everything (copy-db, backup)."""
        async with self._pool.acquire() as raw:
            work = raw.transaction(readonly=True, isolation="repeatable_read")
            await work.start()
            try:
                yield PostgresConnection(raw)
            finally:
                with contextlib.suppress(Exception):
                    await work.rollback()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[PostgresConnection]:
        """A pooled connection outside any transaction (bulk loads open their own)."""
        async with self._pool.acquire() as raw:
            yield PostgresConnection(raw)

    # --- migrations -----------------------------------------------------------------

    async def _applied(self, raw: Any) -> dict[int, str | None]:
        exists = await raw.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not exists:
            return {}
        rows = await raw.fetch("SELECT version, checksum FROM schema_migrations")
        return {int(r[0]): r[1] for r in rows}

    async def inspect(self) -> SchemaState:
        async with self._pool.acquire() as raw:
            return _compare(known_migrations("postgresql"), await self._applied(raw))

    async def migrate(self) -> list[Migration]:
        migrations = known_migrations("postgresql")
        async with self._lock, self._pool.acquire() as raw:
            await raw.execute("SELECT pg_advisory_lock($1)", MIGRATIONS_LOCK)
            try:
                await raw.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL, checksum TEXT)"
                )
                state = _compare(migrations, await self._applied(raw))
                problem = refusal(state)
                if problem is not None:
                    raise problem
                applied: list[Migration] = []
                for migration in state.pending:
                    log.info("applying migration %s (postgresql)", migration.filename)
                    async with raw.transaction():
                        await raw.execute(migration.sql)
                        await raw.execute(
                            "INSERT INTO schema_migrations (version, name, applied_at, checksum)"
                            " VALUES ($1, $2, $3, $4)",
                            migration.version,
                            migration.name,
                            time.time(),
                            migration.checksum,
                        )
                    applied.append(migration)
                return applied
            finally:
                await raw.execute("SELECT pg_advisory_unlock($1)", MIGRATIONS_LOCK)

    # --- other processes ------------------------------------------------------------

    async def listen(self, on_notice: Callable[[str], None], stop: asyncio.Event) -> None:
        """Call `on_notice(payload)` for every notice until `stop`; reconnects on loss.

        After a reconnection everything is woken once: notices sent while the
        connection was down are lost, the work they announced is not.
        """
        first = True
        while not stop.is_set():
            lost = asyncio.Event()
            try:
                conn = await self.connect(f"{self._application} listener")
            except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                log.warning("listen: cannot connect (%s); retrying", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), LISTEN_RETRY_SECONDS)
                continue
            try:
                conn.add_termination_listener(lambda _conn, event=lost: event.set())
                await conn.add_listener(
                    CHANNEL, lambda _conn, _pid, _channel, payload: on_notice(str(payload))
                )
                if not first:
                    on_notice("*")
                first = False
                waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())}
                try:
                    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiter in waiters:
                        waiter.cancel()
                if lost.is_set() and not stop.is_set():
                    log.warning("listen: connection lost; reconnecting")
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 2)

    async def backup(self, destination: Path) -> None:
        """A consistent copy into a SQLite file (`riposte copy-db` does the same)."""
        from bot.store.copy import copy_database

        async with Database.open(destination) as target:
            await target.migrate()
            await copy_database(self, target)
