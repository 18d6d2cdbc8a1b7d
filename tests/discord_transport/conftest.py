from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.commands import Registry
from bot.config import DiscordSettings, Secret
from bot.domain.messages import IncomingMessage
from bot.transports.discord import DiscordTransport, RoleLookup
from tests.fakes.bot_process import BotProcess, start_bot
from tests.fakes.config_files import write_config
from tests.fakes.discord_api import FakeDiscord

ADMIN = "300000000000000001"
"""The Discord user the config makes an admin (`discord:ADMIN`)."""


@dataclass
class RecordingInbox:
    """Stands in for the dispatcher when a test drives the transport alone."""

    received: list[IncomingMessage] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, message: IncomingMessage) -> None:
        self.received.append(message)
        self.arrived.set()

    async def chat_moved(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        return None

    async def next(self, timeout: float = 10.0) -> IncomingMessage:
        count = len(self.received)
        while len(self.received) <= count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), timeout)
        return self.received[count]


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def discord_settings(fake: FakeDiscord, **overrides: object) -> DiscordSettings:
    values: dict[str, object] = {
        "enabled": True,
        "token": Secret(fake.token, env="DISCORD_TOKEN"),
        "api_base": fake.api_base,
        "guilds": (int(fake.guild_id),),
        "message_content": True,
    }
    values.update(overrides)
    return DiscordSettings(**values)  # type: ignore[arg-type]


@dataclass
class Running:
    transport: DiscordTransport
    inbox: RecordingInbox
    roles: dict[str, str]
    """Scope tag -> role id, as `rolemap` would have stored them."""


@pytest.fixture
async def started(fake_discord: FakeDiscord) -> AsyncIterator[Running]:
    """A started transport on the fake, with a recording inbox and a role map to fill."""
    from handlers import ROUTERS

    roles: dict[str, str] = {}

    async def lookup(tags: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(roles[t] for t in tags if t in roles)

    role_lookup: RoleLookup = lookup
    transport = DiscordTransport(discord_settings(fake_discord), Registry(ROUTERS), role_lookup)
    inbox = RecordingInbox()
    await transport.start(inbox)
    try:
        yield Running(transport, inbox, roles)
    finally:
        await transport.stop()


async def start_riposte(
    tmp_path: Path, fake: FakeDiscord, **sections: dict[str, Any]
) -> BotProcess:
    """`riposte run` with the console and Discord on the fake; `sections` add config."""
    config = write_config(
        tmp_path,
        network={"name": "Test", "lang": "fr", "admins": ["console:alice", f"discord:{ADMIN}"]},
        discord={
            "enabled": True,
            "token": "env:RIPOSTE_TEST_DISCORD_TOKEN",
            "api_base": fake.api_base,
            "guilds": [int(fake.guild_id)],
            "message_content": True,
        },
        **sections,
    )
    session = await start_bot(config, {"RIPOSTE_TEST_DISCORD_TOKEN": fake.token})
    try:
        await fake.wait_connected()
    except BaseException:
        await session.kill()
        raise
    return session
