"""Both store engines under one test: SQLite, and a real PostgreSQL server.

Loaded as a pytest plugin (`-p tests.fakes.engines` in pyproject.toml). A test
runs once per engine when it asks for the `store` or `store_target` fixture,
or when its module says `pytestmark = pytest.mark.both_engines` (the
in-process harness then opens its store on the engine of the run, see
`target_for`). The PostgreSQL run of a test is skipped, with the reason, only
where no PostgreSQL server is installed.

One server per test process (each xdist worker starts its own, on a free
port of 127.0.0.1, as an unprivileged user: `postgres_server.py`), stopped
when the session ends. Each test gets a database of its own, cloned from a
template that was migrated once, and dropped after the test.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.store import Database
from tests.fakes.postgres_server import PostgresServer, ServerMissing, start

ENGINES = ("sqlite", "postgresql")
TEMPLATE = "riposte_template"

_server: PostgresServer | None = None
_missing: str | None = None
_current: dict[str, Any] = {"engine": "sqlite", "url": None}
_counter = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_engines: run the test on SQLite and on PostgreSQL (the harness follows)"
    )
    config.addinivalue_line("markers", "postgresql: the PostgreSQL run of a test")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    wants = {"store", "store_target", "engine"} & set(metafunc.fixturenames)
    marked = metafunc.definition.get_closest_marker("both_engines") is not None
    if wants or marked:
        if "engine" not in metafunc.fixturenames:
            metafunc.fixturenames.append("engine")
        metafunc.parametrize(
            "engine",
            [
                pytest.param("sqlite"),
                pytest.param("postgresql", marks=pytest.mark.postgresql),
            ],
        )


def _in_thread(coro_factory: Any) -> Any:
    """Run a coroutine to completion from synchronous code, whatever loop is running."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(coro_factory())
        except BaseException as error:  # handed back to the caller below
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def server() -> PostgresServer:
    """This process's server, started (and the template migrated) on first use."""
    global _server, _missing
    if _server is not None:
        return _server
    if _missing is not None:
        pytest.skip(_missing)
    try:
        running = start()
    except ServerMissing as error:
        _missing = f"no PostgreSQL server here: {error}"
        pytest.skip(_missing)

    async def template() -> None:
        conn = await asyncpg.connect(running.admin_url)
        try:
            await conn.execute(f"CREATE DATABASE {TEMPLATE}")
        finally:
            await conn.close()
        async with Database.open(running.url(TEMPLATE)) as db:
            await db.migrate()

    try:
        _in_thread(template)
    except BaseException:
        running.stop()
        raise
    _server = running
    atexit.register(running.stop)  # also when the session ends without its hooks
    return running


def fresh_database() -> str:
    """A new database, migrated, for one test: its URL."""
    running = server()
    name = f"t{os.getpid()}_{next(_counter)}"

    async def create() -> None:
        conn = await asyncpg.connect(running.admin_url)
        try:
            await conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        finally:
            await conn.close()

    _in_thread(create)
    return running.url(name)


def drop_database(url: str) -> None:
    running = _server
    if running is None:
        return
    name = url.rsplit("/", 1)[-1]

    async def drop() -> None:
        conn = await asyncpg.connect(running.admin_url)
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await conn.close()

    _in_thread(drop)


def target_for(tmp_path: Path, name: str = "bot.db") -> Path | str:
    """Where the test's store is: a SQLite file in `tmp_path`, or the PostgreSQL database
    of this test (one per test, whatever the name)."""
    if _current["engine"] == "postgresql":
        if _current["url"] is None:
            _current["url"] = fresh_database()
        return str(_current["url"])
    return tmp_path / name


def current_engine() -> str:
    return str(_current["engine"])


def rows(tmp_path: Path, sql: str, params: tuple[Any, ...] = (), name: str = "bot.db") -> list[Any]:
    """Read the test's store directly (assertions about rows), on either engine.
    SQL with `?` placeholders; rows by column name or position."""
    target = target_for(tmp_path, name)

    async def fetch() -> list[Any]:
        async with Database.open(target) as db, db.reading() as tx:
            return await tx._conn.fetchall(sql, params)

    return list(_in_thread(fetch))


def execute(tmp_path: Path, sql: str, params: tuple[Any, ...] = (), name: str = "bot.db") -> int:
    """Change the test's store directly (set up a state), on either engine."""
    target = target_for(tmp_path, name)

    async def change() -> int:
        async with Database.open(target) as db, db.transaction() as tx:
            return await tx._conn.execute(sql, params)

    return int(_in_thread(change))


@pytest.fixture(autouse=True)
def _engine_of_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    callspec = getattr(request.node, "callspec", None)
    engine = callspec.params.get("engine", "sqlite") if callspec is not None else "sqlite"
    _current["engine"] = engine
    _current["url"] = None
    if engine == "postgresql":
        server()  # skips here, with the reason, when there is no server
    try:
        yield
    finally:
        url = _current["url"]
        _current["engine"] = "sqlite"
        _current["url"] = None
        if url is not None:
            drop_database(url)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_target(engine: str, tmp_path: Path) -> Path | str:
    """A path (SQLite) or a URL (PostgreSQL) for a fresh, migrated store."""
    return target_for(tmp_path, "store.db")


@pytest.fixture
async def store(store_target: Path | str) -> AsyncIterator[Database]:
    """The store on each engine, migrated, with console:alice as a config admin."""
    async with Database.open(store_target, frozenset({"console:alice"})) as database:
        await database.migrate()
        yield database


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _server
    if _server is not None:
        _server.stop()
        _server = None
