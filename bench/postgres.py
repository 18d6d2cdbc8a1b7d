"""The PostgreSQL server benchmarks run against: $RIPOSTE_BENCH_PG, or a throwaway one."""

import asyncpg

from tests.fakes.postgres_server import throwaway_server

__all__ = ["fresh_database", "throwaway_server"]


async def fresh_database(admin_url: str, name: str) -> str:
    """An empty database `name` on the server of `admin_url` (dropped first): its URL."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
