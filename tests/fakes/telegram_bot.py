"""Run the real bot (bot.app.App) against the fake Telegram Bot API, in this process.

Shared by the Telegram tests and by whoever needs a running Telegram-side bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# python-telegram-bot 22 warns when retry_after is read as an int; the transport opts
# in to timedeltas, and so do the tests (set before anything builds a RetryAfter).
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.app import App
from bot.config import load_settings
from tests.fakes.config_files import write_config
from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage

ALICE = 1001  # a network admin (telegram:1001 in the config)
BOB = 2002
CAROL = 3003
PARIS = -1001000000001
LYON = -1001000000002
TOKEN_ENV = "RIPOSTE_TEST_TELEGRAM_TOKEN"


def telegram_section(api: FakeTelegramAPI, **overrides: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "enabled": True,
        "token": f"env:{TOKEN_ENV}",
        "base_url": api.base_url,
        "base_file_url": api.base_file_url,
        "poll_timeout": 5,
        "request_timeout": 5,
        # The tests are not about pacing: let every chat take several messages a second.
        "per_chat_rate": 50,
    }
    section.update(overrides)
    return section


@dataclass
class RunningBot:
    app: App
    api: FakeTelegramAPI

    async def say(self, chat_id: int, user_id: int, text: str, **extra: Any) -> None:
        self.api.group_message(chat_id, user_id, text, **extra)

    async def wait_sent(
        self, chat_id: int, contains: str, *, after: int = 0, timeout: float = 20.0
    ) -> SentMessage:
        """The first message to `chat_id` containing `contains`, skipping the first `after`."""

        def found() -> SentMessage | None:
            return next(
                (m for m in self.api.sent_to(chat_id)[after:] if contains in m.text),
                None,
            )

        result: SentMessage = await self.api.wait_for(found, timeout)
        return result

    async def converse(self, chat_id: int, user_id: int, text: str, expect: str) -> SentMessage:
        """Write in a chat (private when `chat_id` > 0) and wait for an answer with `expect`."""
        before = len(self.api.sent_to(chat_id))
        if chat_id > 0:
            self.api.private_message(user_id, text)
        else:
            self.api.group_message(chat_id, user_id, text)
        return await self.wait_sent(chat_id, expect, after=before)


@contextlib.asynccontextmanager
async def run_bot(
    tmp_path: Path,
    api: FakeTelegramAPI,
    *,
    sections: dict[str, dict[str, Any]] | None = None,
    **telegram: Any,
) -> AsyncIterator[RunningBot]:
    """The bot on the fake API; `telegram` overrides keys of [telegram], `sections` add
    config sections (`{"members": {...}}`)."""
    config = write_config(
        tmp_path,
        network={"name": "Test", "lang": "fr", "admins": [f"telegram:{ALICE}"]},
        console={"enabled": False},
        telegram=telegram_section(api, **telegram),
        **(sections or {}),
    )
    settings = load_settings(config, environ={**os.environ, TOKEN_ENV: api.token})
    app = App(settings)
    task = asyncio.create_task(app.run(), name="riposte-under-test")
    try:
        # Calls are recorded when answered: a long poll would show up seconds later.
        receiving = "setWebhook" if telegram.get("webhook_url") else "deleteWebhook"
        await api.wait_for(lambda: api.calls_to(receiving) or task.done(), timeout=20)
        if task.done():
            task.result()
        yield RunningBot(app, api)
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 20)


async def link_rooms(bot: RunningBot, *chats: int) -> None:
    for chat in chats:
        await bot.converse(chat, ALICE, "/link", "Salon relié")
