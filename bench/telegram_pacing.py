"""Pacing against the real client library: the engine vs a plain loop with AIORateLimiter.

The real `TelegramTransport` (python-telegram-bot over real sockets) inside a
`DeliveryEngine` drains outbox rows into the fake Bot API server, which
enforces Telegram's flood limits (30 msg/s overall, 1 msg/s per chat) and
answers 429 beyond them. Side by side, in the same run and against the same
fake: the same DMs sent the way most bots do it, a plain loop over
`bot.send_message` with python-telegram-bot's own `AIORateLimiter` (defaults:
30/s overall, no retry on 429).

The fake runs in its own process: in this one it would share the event loop
and the CPU time of the bot it is measuring (measured: ~130 sends/s with the
fake in-process against ~160-200/s with it apart, for the same unpaced
engine), and the figures would be the fake's rather than the bot's.

Rate is accepted messages / (last acceptance - first acceptance + 1 s): the
server counts in a one-second sliding window, so a sender exactly at the limit
scores the limit (ratio 1.0), and a burst above it is answered 429, not
counted. Figures, not pass/fail.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram.error import RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.store import Priority
from tests.fakes.telegram_api import DEFAULT_TOKEN
from tests.fakes.telegram_delivery import FIRST_USER, delivering

TEXT = "🚨 Alerte A1 : le député X ment sur France 2"
WINDOW = 1.0
DRAIN_TIMEOUT = 600.0


@dataclass(frozen=True)
class Result:
    name: str
    wanted: int
    accepted: int
    rate: float
    allowed: float
    rate_limited: int
    goal: str

    @property
    def ratio(self) -> float:
        return self.rate / self.allowed


@asynccontextmanager
async def fake_server(max_rate: float) -> AsyncIterator[str]:
    """The fake Bot API in its own process, enforcing the limits; yields its control URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.telegram_api",
        "--port",
        "0",
        "--rate-limits",
        "--max-rate",
        str(max_rate),
        "--no-record",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        port = int((await process.stdout.readline()).split()[1])
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)


def _stats(server: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{server}/_fake/stats", timeout=10) as answer:
        stats: dict[str, Any] = json.load(answer)
    return stats


async def stats(server: str) -> dict[str, Any]:
    return await asyncio.to_thread(_stats, server)


def _result(name: str, wanted: int, allowed: float, goal: str, s: dict[str, Any]) -> Result:
    accepted = int(s["sent"])
    span = (s["last_sent_at"] - s["first_sent_at"] + WINDOW) if accepted else float("inf")
    return Result(name, wanted, accepted, accepted / span, allowed, s["rate_limit_violations"],
                  goal)  # fmt: skip


async def _until_accepted(server: str, count: int, done: Callable[[], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while True:
        s = await stats(server)
        if s["sent"] >= count or done() or time.monotonic() > deadline:
            return s
        await asyncio.sleep(0.2)


async def engine_run(name: str, count: int, max_rate: float, goal: str) -> Result:
    async with fake_server(max_rate) as server:
        with tempfile.TemporaryDirectory() as tmp:
            async with delivering(
                Path(tmp) / "pacing.db", f"{server}/bot", DEFAULT_TOKEN, max_rate=max_rate
            ) as running:
                chats = [FIRST_USER + i for i in range(count)]
                await running.enqueue(chats, TEXT, Priority.ALERT)
                s = await _until_accepted(server, count, lambda: False)
    return _result(name, count, max_rate, goal, s)


async def loop_run(name: str, count: int, max_rate: float, goal: str) -> Result:
    """What most bots do: for each chat, `await bot.send_message(...)`, errors logged."""
    async with fake_server(max_rate) as server:
        bot = ExtBot(
            DEFAULT_TOKEN,
            base_url=f"{server}/bot",
            request=HTTPXRequest(connection_pool_size=8),
            rate_limiter=AIORateLimiter(),
        )
        lost = 0
        async with bot:
            for i in range(count):
                try:
                    await bot.send_message(chat_id=FIRST_USER + i, text=TEXT)
                except RetryAfter:
                    lost += 1  # AIORateLimiter's default: no retry, the caller gets the 429
                except TelegramError:
                    lost += 1
            s = await stats(server)
    return _result(name, count, max_rate, goal, s)


async def _quietly(run: Awaitable[Result]) -> Result:
    import logging

    # AIORateLimiter logs every 429 with a traceback; the table counts them instead.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    return await run


async def main() -> None:
    results = [
        await engine_run("engine, 900 DMs at 30/s", 900, 30.0, ">= 0.97, 0 x 429"),
        await _quietly(loop_run("PTB loop + AIORateLimiter, 900 DMs", 900, 30.0, "(compare)")),
        await engine_run("engine, 20,000 DMs at 1,000/s", 20_000, 1_000.0, ">= 0.9"),
    ]
    print(
        f"{'run':<38} {'accepted':>9} {'rate/s':>8} {'allowed':>8} {'ratio':>6} "
        f"{'429s':>6} {'goal':>18}"
    )
    for r in results:
        accepted = f"{r.accepted:,}" + ("" if r.accepted == r.wanted else f"/{r.wanted:,}")
        print(
            f"{r.name:<38} {accepted:>9} {r.rate:>8.1f} {r.allowed:>8.0f} {r.ratio:>6.3f} "
            f"{r.rate_limited:>6} {r.goal:>18}"
        )


if __name__ == "__main__":
    asyncio.run(main())
