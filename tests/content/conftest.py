"""The network the in-process content tests run in, with the three social fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import PushSettings
from tests.content.social import Fakes, social_fakes
from tests.fakes.clock import FakeClock
from tests.harness import OPEN_JOIN, Bot, running_bot


@dataclass
class PushNet:
    bot: Bot
    fakes: Fakes
    clock: FakeClock

    async def say(self, chat: str, user: str, text: str) -> list[str]:
        """Type in a room (`#paris`) or privately (`@bob`); the answers to that chat."""
        private = chat.startswith("@")
        address = chat[1:] if private else chat
        before = len(self.bot.transport.texts_to(address))
        await self.bot.say(address, user, text, private=private)
        return self.bot.transport.texts_to(address)[before:]

    def texts(self, address: str) -> list[str]:
        return self.bot.transport.texts_to(address)

    async def later(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.bot.fire_timers()


@asynccontextmanager
async def push_network(tmp_path: Path, **options: Any) -> AsyncIterator[PushNet]:
    """#paris (dept:075) and #lyon (dept:069) linked; bob (M2) a member from #lyon, nadia
    (M3) coordinates dept:075 and claire (M4) the whole network, paul (M5) is a member from
    #paris; alice is the network's admin. Mastodon, Bluesky and X point at the fakes; the
    accounts are the network's (scope national)."""
    clock = FakeClock()
    x_overrides = options.pop("x", {})
    push = options.pop("push", PushSettings(timeout=5))
    async with (
        social_fakes() as fakes,
        running_bot(
            tmp_path,
            clock=clock,
            members=OPEN_JOIN,
            push=push,
            **fakes.settings(**x_overrides),
            **options,
        ) as bot,
    ):
        net = PushNet(bot, fakes, clock)
        await net.say("#paris", "alice", "/link dept:075")
        await net.say("#lyon", "alice", "/link dept:069")
        for room, who in (
            ("#lyon", "bob"),
            ("#paris", "nadia"),
            ("#paris", "claire"),
            ("#paris", "paul"),
        ):
            await net.say(room, who, "/join")
        await net.say("#paris", "alice", "/role @nadia coordinator dept:075")
        await net.say("#paris", "alice", "/role @claire coordinator")
        # Private chats are open (the console and this fake transport write first).
        yield net


@pytest.fixture
async def net(tmp_path: Path) -> AsyncIterator[PushNet]:
    async with push_network(tmp_path) as found:
        yield found
