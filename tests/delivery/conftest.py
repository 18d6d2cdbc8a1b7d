"""Fixtures for the delivery tests: the fake Bot API (the bot runs via tests/fakes/bot_process)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "true")

from tests.fakes.telegram_api import FakeTelegramAPI


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake
