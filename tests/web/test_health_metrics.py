"""`/healthz` and `/metrics`: what a monitor and Prometheus read."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.config import Secret, WebSettings
from bot.transports.base import TransientError
from tests.fakes.web_client import web_bot

pytestmark = pytest.mark.both_engines


async def test_healthz_is_200_with_each_transport_then_503_when_one_is_down_too_long(
    tmp_path: Path,
) -> None:
    settings = WebSettings(health_down_after=0.3)
    async with web_bot(tmp_path, settings) as web, web.client() as monitor:
        async with monitor.get("/healthz") as response:
            assert response.status == 200
            body = await response.json()
        assert body["status"] == "ok"
        assert body["transports"]["fake"]["state"] == "up"
        assert body["outbox"] == {"queued": 0, "in_flight": 0}
        # The platform starts failing (timeouts): down, then down for too long.
        web.bot.transport.fail_next(*[TransientError("timeout")] * 50)
        await web.bot.transport.say("#lyon", "bob", "/help")
        for _ in range(200):
            await asyncio.sleep(0.05)
            async with monitor.get("/healthz") as response:
                body = await response.json()
                if response.status == 503:
                    break
        assert response.status == 503
        assert body["problems"] == ["fake"]
        assert body["transports"]["fake"]["state"] == "down"
        assert body["transports"]["fake"]["queued"] >= 1
        assert "lyon" not in str(body) and "bob" not in str(body)


async def test_metrics_count_deliveries_and_response_times(tmp_path: Path) -> None:
    async with web_bot(tmp_path) as web:
        bot = web.bot
        async with web.client() as prometheus:
            async with prometheus.get("/metrics") as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            await bot.say("#paris", "alice", "/link dept:075")
            await bot.say("#lyon", "alice", "/link dept:069")
            await bot.say("#lyon", "bob", "/join")
            await bot.say("#lyon", "bob", "/alert Ça recommence https://example.org/y")
            await bot.say("#paris", "alice", "/ack A1")
            await asyncio.sleep(0.1)  # the recorder writes outcomes in batches
            async with prometheus.get("/metrics") as response:
                text = await response.text()
        sent = re.search(r'riposte_deliveries_total\{outcome="sent",platform="fake"\} (\S+)', text)
        assert sent is not None and float(sent.group(1)) >= 5
        assert re.search(r"riposte_alert_first_ack_seconds_count 1\.0", text)
        assert 'riposte_outbox_queued{platform="fake"} 0.0' in text
        assert 'riposte_transport_up{platform="fake"} 1.0' in text
        assert "riposte_pacing_pauses_total" in text
        assert "riposte_alert_first_clip_seconds_bucket" in text


async def test_metrics_may_require_a_bearer_token(tmp_path: Path) -> None:
    settings = WebSettings(metrics_token=Secret("s3cret-token-value"))
    async with web_bot(tmp_path, settings) as web, web.client() as client:
        async with client.get("/metrics") as response:
            assert response.status == 401
        async with client.get("/metrics", headers={"Authorization": "Bearer nope"}) as response:
            assert response.status == 401
        async with client.get(
            "/metrics", headers={"Authorization": "Bearer s3cret-token-value"}
        ) as response:
            assert response.status == 200
