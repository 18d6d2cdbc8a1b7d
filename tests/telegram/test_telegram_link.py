"""The Telegram link in `/healthz`, `/metrics`, `riposte status` and `riposte health`: down
when the Bot API refuses the token or stops answering, up again (and polling again) as
soon as it answers, through the real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import bot.app
from bot import cli
from bot.transports.telegram import TelegramTransport
from bot.transports.telegram.link import LinkHealth
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, TOKEN_ENV, RunningBot, run_bot

FAST = {"poll_timeout": 1, "request_timeout": 2}


def _web(port: int) -> dict[str, dict[str, Any]]:
    return {"web": {"enabled": True, "listen": f"127.0.0.1:{port}", "health_down_after": 1}}


def _quick(running: RunningBot) -> TelegramTransport:
    transport = running.app.transports["telegram"]
    assert isinstance(transport, TelegramTransport)
    transport.link.grace = 0.3
    transport.probe_every = 0.1
    return transport


async def _until(check: Callable[[], Any], tries: int = 400) -> Any:
    """What `check` finds, asking every 50 ms (20 s at most)."""
    for _ in range(tries):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


async def _health(port: int) -> tuple[int, dict[str, Any], str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/healthz") as answer:
            body = await answer.json()
        async with session.get(f"http://127.0.0.1:{port}/metrics") as metrics:
            text = await metrics.text()
    return answer.status, body, text


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(list(args))
    return code, out.getvalue()


async def test_a_refused_token_or_a_silent_bot_api_shows_telegram_down_then_up(
    tmp_path: Path, api: FakeTelegramAPI, unused_tcp_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.app, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setenv(TOKEN_ENV, api.token)
    port = unused_tcp_port
    async with run_bot(tmp_path, api, sections=_web(port), **FAST) as running:
        _quick(running)
        config = str(running.app.settings.source)
        at = ("--config", config)
        status, body, metrics = await _health(port)
        assert status == 200 and body["transports"]["telegram"]["state"] == "up"
        assert 'riposte_transport_up{platform="telegram"} 1.0' in metrics

        # The token is revoked: every call is answered 401.
        good, api.token = api.token, "42:REVOKED"

        async def unhealthy() -> tuple[int, dict[str, Any], str] | None:
            found = await _health(port)
            return found if found[0] == 503 else None

        status, body, metrics = await _until(unhealthy)
        assert body["problems"] == ["telegram"]
        assert body["transports"]["telegram"]["state"] == "down"
        assert 'riposte_transport_up{platform="telegram"} 0.0' in metrics
        assert good not in str(body)
        code, said = await _until(lambda: asyncio.to_thread(_cli, "health", "--config", config))
        assert code == 1 and said.startswith("unhealthy: telegram down for ")
        code, said = await asyncio.to_thread(_cli, "status", "--config", config)
        assert code == 0 and "links: telegram DOWN for " in said and good not in said

        # Telegram answers again: up, and the polling that met 401s goes on by itself.
        api.token = good

        async def healthy() -> tuple[int, dict[str, Any], str] | None:
            found = await _health(port)
            return found if found[0] == 200 else None

        status, body, _ = await _until(healthy)
        assert body["transports"]["telegram"]["state"] == "up"
        await running.converse(ALICE, ALICE, "/help", "/alert")

        # The Bot API stops answering altogether (connection refused): down again.
        await api.stop()
        try:
            status, body, _ = await _until(unhealthy)
            assert body["transports"]["telegram"]["state"] == "down"
        finally:
            await api.start()
        await _until(healthy)
        code, said = await _until(lambda: _ok(asyncio.to_thread(_cli, "health", *at)))
        assert said.startswith("healthy")


async def _ok(run: Any) -> tuple[int, str] | None:
    code, said = await run
    return (code, said) if code == 0 else None


async def test_a_quiet_webhook_bot_is_judged_by_its_probes(
    tmp_path: Path, api: FakeTelegramAPI, unused_tcp_port: int
) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    async with run_bot(tmp_path, api, webhook_url=url, listen=f"127.0.0.1:{unused_tcp_port}",
                       **FAST) as running:  # fmt: skip
        transport = _quick(running)
        transport.idle_probe = 0.2
        probes = len(api.calls_to("getMe"))
        await api.wait_for(lambda: len(api.calls_to("getMe")) > probes + 1)
        assert transport.link_up
        good, api.token = api.token, "42:REVOKED"
        await _until(lambda: _false(transport.link_up))
        assert transport.link.problem == "getMe: the Bot API refused the token (401)"
        api.token = good
        await _until(lambda: _true(transport.link_up))


async def _true(value: bool) -> bool:
    return value


async def _false(value: bool) -> bool:
    return not value


def test_one_failed_request_is_not_an_outage_but_failing_past_the_grace_is() -> None:
    now = [100.0]
    link = LinkHealth(grace=10.0, clock=lambda: now[0])
    assert link.up and link.idle_for() == float("inf")
    link.failed(100.0, "getUpdates: TimedOut")
    now[0] = 105.0
    assert link.up and link.failing
    link.answered()
    link.failed(106.0, "getUpdates: the Bot API answered 502")
    now[0] = 117.0
    assert not link.up and link.problem == "getUpdates: the Bot API answered 502"
    link.answered()
    assert link.up and not link.failing and link.idle_for() == 0.0
