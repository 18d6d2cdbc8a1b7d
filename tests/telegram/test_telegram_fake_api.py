"""The fake Bot API itself: what the delivery engine's benchmarks rely on."""

from __future__ import annotations

import asyncio
import contextlib
import sys

import aiohttp
import pytest
from telegram import Bot
from telegram.error import RetryAfter

from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI, RateLimits


async def test_fake_answers_429_when_a_chat_is_flooded() -> None:
    limits = RateLimits(per_chat_per_second=1, per_chat_slack=1, retry_after=3)
    async with (
        FakeTelegramAPI(rate_limits=limits) as api,
        Bot(api.token, base_url=api.base_url) as bot,
    ):
        await bot.send_message(-100, "un")
        await bot.send_message(-100, "deux")
        await bot.send_message(-200, "ailleurs")
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(-100, "trois")
    assert raised.value.retry_after.total_seconds() == 3
    assert api.rate_limit_violations == 1
    assert [m.text for m in api.sent] == ["un", "deux", "ailleurs"]


async def test_fake_answers_429_above_twenty_messages_a_minute_in_a_group() -> None:
    limits = RateLimits(per_chat_per_second=1000, per_group_per_minute=20)
    async with (
        FakeTelegramAPI(rate_limits=limits) as api,
        Bot(api.token, base_url=api.base_url) as bot,
    ):
        for i in range(20):
            await bot.send_message(-100, f"n°{i}")
        await bot.send_message(42, "en privé, pas de limite de groupe")
        with pytest.raises(RetryAfter):
            await bot.send_message(-100, "de trop")
    assert api.rate_limit_violations == 1


async def test_fake_runs_standalone_and_is_driven_over_http() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.telegram_api",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(process.stdout.readline(), 20)
        port = int(first.decode().split()[1])
        base = f"http://127.0.0.1:{port}"
        async with Bot(DEFAULT_TOKEN, base_url=f"{base}/bot") as bot:
            assert bot.username == "riposte_test_bot"
            async with aiohttp.ClientSession() as http:
                injected = {"kind": "group_message", "chat_id": -100, "user_id": 7, "text": "/help"}
                async with http.post(f"{base}/_fake/inject", json=injected) as answer:
                    assert answer.status == 200
                [update] = await bot.get_updates(timeout=1)
                assert update.message is not None and update.message.text == "/help"
                await bot.send_message(-100, "réponse")
                async with http.get(f"{base}/_fake/calls?method=sendMessage") as answer:
                    [call] = await answer.json()
        assert call["params"] == {"chat_id": -100, "text": "réponse"}
    finally:
        process.terminate()
        with contextlib.suppress(ProcessLookupError):
            await asyncio.wait_for(process.wait(), 20)
