"""Fixtures for running Riposte as a service: real processes against the fakes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "true")

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.media_server import MediaServer, make_test_video
from tests.fakes.telegram_api import FakeTelegramAPI, RateLimits


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
async def enforcing_api() -> AsyncIterator[FakeTelegramAPI]:
    """Telegram's own flood limits, answered with 429 when exceeded."""
    async with FakeTelegramAPI(rate_limits=RateLimits()) as fake:
        yield fake


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    """A replay site on 127.0.0.1 (its /slow/ paths make a download last a while)."""
    server = MediaServer(make_test_video(tmp_path_factory.mktemp("video"))).start()
    yield server
    server.stop()
