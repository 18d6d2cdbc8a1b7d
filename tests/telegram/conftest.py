"""Fixtures for the Telegram transport tests: the fake Bot API and the bot running on it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "true")

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, BOB, CAROL, LYON, PARIS, RunningBot, run_bot


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        fake.add_user(ALICE, "Alice", username="alice")
        fake.add_user(BOB, "Bob", username="bob")
        fake.add_user(CAROL, "Carol", username="carol")
        fake.add_group(PARIS, "Paris")
        fake.add_group(LYON, "Lyon")
        yield fake


@pytest.fixture
async def bot(tmp_path: Path, api: FakeTelegramAPI) -> AsyncIterator[RunningBot]:
    """The transport tests are not about vetting or alert limits: `join` admits at once, and
    alerts may be long enough to need splitting."""
    sections = {"members": {"open_join": True}, "alerts": {"max_length": 8000}}
    async with run_bot(tmp_path, api, sections=sections) as running:
        yield running


@pytest.fixture
async def vetted_bot(tmp_path: Path, api: FakeTelegramAPI) -> AsyncIterator[RunningBot]:
    """The bot with the default membership rules: `join` waits for a coordinator."""
    async with run_bot(tmp_path, api) as running:
        yield running
