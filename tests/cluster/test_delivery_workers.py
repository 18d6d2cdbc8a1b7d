"""Two `riposte worker delivery` processes on one PostgreSQL store, against the fake Bot
API enforcing Telegram's limits: together under the overall rate, and a kill -9 of one
in the middle of a fan-out loses nothing."""

from __future__ import annotations

import asyncio
import collections
import time
from pathlib import Path

from bot.domain import OutgoingMessage, Target, TargetKind
from bot.store import Database, Priority
from tests.cluster.conftest import cluster_config
from tests.fakes.bot_process import BotProcess, start_bot
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI, RateLimits

RATE = 60
"""The overall rate of the test: Telegram's 30 would make the test needlessly long."""
USERS = 900
IN_FLIGHT_BOUND = 8 + 500
"""What a killed worker may have sent and not recorded (README, Delivery: crash safety):
its sends in flight plus the batch its recorder was writing."""


async def _fan_out(url: str, users: int) -> None:
    async with Database.open(url) as db, db.transaction() as tx:
        await tx.outbox.enqueue_many(
            [
                (
                    Target("telegram", TargetKind.USER, str(1000 + i)),
                    OutgoingMessage.plain("A1"),
                    None,
                )
                for i in range(users)
            ],
            Priority.ALERT,
            subject="alert:1",
        )


async def _outbox(url: str) -> dict[str, int]:
    async with Database.open(url) as db, db.reading() as tx:
        rows = await tx._conn.fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    return {str(r[0]): int(r[1]) for r in rows}


async def _workers(tmp_path: Path, url: str, api: FakeTelegramAPI) -> list[BotProcess]:
    config = cluster_config(
        tmp_path,
        url,
        telegram={
            "enabled": True,
            "token": "env:TG_TOKEN",
            "base_url": api.base_url,
            "base_file_url": api.base_file_url,
            "max_rate": RATE,
            "set_commands": False,
        },
    )
    env = {"TG_TOKEN": DEFAULT_TOKEN}
    return [await start_bot(config, env, command=("worker", "delivery")) for _ in range(2)]


async def _until(condition: object, timeout: float, *explain: BotProcess) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)
    logs = "\n---\n".join("\n".join(p.stderr_lines[-25:]) for p in explain)
    raise AssertionError(f"timed out; logs:\n{logs}")


async def test_two_workers_share_telegrams_rate_and_a_killed_one_loses_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    limits = RateLimits(global_per_second=RATE, per_chat_per_second=1)
    async with FakeTelegramAPI(rate_limits=limits) as api:
        first, second = await _workers(tmp_path, pg_url, api)
        try:
            for worker in (first, second):
                await worker.expect("telegram: sending as", in_log=True)
            await _fan_out(pg_url, USERS)
            started = time.monotonic()

            async def some_sent() -> bool:
                return api.sent_count >= USERS // 3

            await _until(some_sent, 60, first, second)
            # Both were sending (the rate is shared, not taken by one) when one dies.
            assert any("rate share" in line for line in first.stderr_lines)
            assert any("rate share" in line for line in second.stderr_lines)
            await first.kill()

            async def all_sent() -> bool:
                return (await _outbox(pg_url)).get("sent", 0) == USERS

            try:
                await _until(all_sent, 90, first, second)
            except AssertionError as error:
                raise AssertionError(f"{await _outbox(pg_url)} {error}") from None
            elapsed = time.monotonic() - started
        finally:
            for worker in (first, second):
                await worker.kill()
        per_user = collections.Counter(m.chat_id for m in api.sent)
    assert set(per_user) == {1000 + i for i in range(USERS)}  # nobody missed
    duplicates = sum(per_user.values()) - USERS
    assert duplicates <= IN_FLIGHT_BOUND
    assert api.rate_limit_violations == 0  # two processes, one budget: never a 429
    # The killed worker's claims came back after its lease (3 s): the drain kept going.
    assert elapsed < USERS / RATE + 30
