"""A bot on two recording platforms (a Telegram-like one and an IRC-like one that takes no
files), with a clock the tests move, for the identity and privacy tests."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.config import MembersSettings, PrivacySettings
from tests.fakes.clock import FakeClock
from tests.fakes.recording_transport import LIMITS, RecordingTransport
from tests.harness import Bot, running_bot

CODE = re.compile(r"\b([2-9A-HJKMNP-Z]{10})\b")
TELEGRAM_LIKE = dataclasses.replace(
    LIMITS,
    can_send_files=True,
    dm_without_prompt=False,
    dm_link_template="https://t.me/{bot}?start={payload}",
)
IRC_LIKE = dataclasses.replace(LIMITS, can_send_files=False, command_prefix="!")
START = 1_750_000_000.0
"""Sunday 15 June 2025, 17:06:40 in Paris."""


class Network:
    """The bot with `telegram` and `irc` recording transports; `say` prints nothing, returns
    what the bot sent in answer."""

    def __init__(self, bot: Bot, clock: FakeClock) -> None:
        self.bot = bot
        self.clock = clock
        self.telegram = bot.transports["telegram"]
        self.irc = bot.transports["irc"]

    async def say(
        self, on: str, chat: str, user: str, text: str, *, private: bool = False
    ) -> list[str]:
        before = {name: len(t.sent) for name, t in self.bot.transports.items()}
        await self.bot.say(chat, user, text, private=private, on=on)
        return [
            r.message.text
            for name, t in self.bot.transports.items()
            for r in t.sent[before[name] :]
        ]

    async def dm(self, on: str, user: str, text: str) -> str:
        """A private message to the bot; the answers to that user, joined."""
        transport = self.bot.transports[on]
        before = len(transport.sent)
        await self.bot.say(user, user, text, private=True, on=on)
        return "\n".join(
            r.message.text for r in transport.sent[before:] if r.target.address == user
        )

    def texts_to(self, on: str, user: str) -> list[str]:
        return self.bot.transports[on].texts_to(user)

    @staticmethod
    def code_in(text: str) -> str:
        found = CODE.findall(text)
        assert found, text
        return str(found[-1])


@asynccontextmanager
async def network(
    tmp_path: Path,
    *,
    admins: frozenset[str] = frozenset({"telegram:alice"}),
    start: float = START,
    **sections: Any,
) -> AsyncIterator[Network]:
    clock = FakeClock(start)
    telegram = RecordingTransport(platform="telegram", limits=TELEGRAM_LIKE)
    irc = RecordingTransport(platform="irc", limits=IRC_LIKE)
    sections.setdefault("members", MembersSettings(open_join=True))
    sections.setdefault("privacy", PrivacySettings(export_dir=tmp_path / "exports"))
    async with running_bot(
        tmp_path, admins=admins, transport=telegram, others=(irc,), clock=clock, **sections
    ) as bot:
        yield Network(bot, clock)


NetworkFactory = Callable[..., Any]
