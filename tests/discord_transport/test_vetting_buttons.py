"""A join request on Discord: the admin is written to privately and decides with a button."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.discord_transport.conftest import ADMIN, start_riposte
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_api import FakeDiscord

ALERTES = "100000000000000002"
MARC = "300000000000000002"
LEA = "300000000000000003"


@pytest.fixture
async def riposte(tmp_path: Path, fake_discord: FakeDiscord) -> AsyncIterator[BotProcess]:
    session = await start_riposte(tmp_path, fake_discord)  # default rules: vetted joins
    try:
        yield session
    finally:
        await session.kill()


async def test_accept_and_refuse_buttons_decide_join_requests(
    riposte: BotProcess, fake_discord: FakeDiscord
) -> None:
    await fake_discord.inject_message(ALERTES, ADMIN, "admin", "!link dept:075")
    await fake_discord.wait_until(
        lambda: any("Salon relié" in m.content for m in fake_discord.sent_to(ALERTES))
    )
    await fake_discord.inject_message(ALERTES, MARC, "marc", "!join")
    await fake_discord.wait_until(lambda: ADMIN in fake_discord.dm_channels)
    dm = fake_discord.dm_channels[ADMIN]
    await fake_discord.wait_until(lambda: bool(fake_discord.sent_to(dm)))
    notice = fake_discord.sent_to(dm)[0]
    assert "Demande d'adhésion M" in notice.text and "Marc" in notice.text
    buttons = [c["custom_id"] for c in notice.components[0]["components"]]
    assert buttons[0].startswith("rp:/accept M") and buttons[1].startswith("rp:/refuse M")

    await fake_discord.inject_button(notice.id, ADMIN, "admin", buttons[0])
    await fake_discord.wait_until(
        lambda: any("Bienvenue Marc" in m.content for m in fake_discord.sent_to(ALERTES))
    )
    await fake_discord.wait_until(lambda: "acceptée par Admin" in notice.text)
    assert not notice.components  # the decided request has no buttons left

    await fake_discord.inject_message(ALERTES, LEA, "lea", "!join")
    await fake_discord.wait_until(lambda: any("Lea" in m.text for m in fake_discord.sent_to(dm)))
    assert any("Marc (M2) est maintenant membre." in m.text for m in fake_discord.sent_to(dm))
    second = next(m for m in fake_discord.sent_to(dm) if "Lea" in m.text)
    refuse = second.components[0]["components"][1]["custom_id"]
    await fake_discord.inject_button(second.id, ADMIN, "admin", refuse)
    await fake_discord.wait_until(
        lambda: any("a été refusée" in m.content for m in fake_discord.sent_to(ALERTES))
    )
    await riposte.say("#paris alice: /members")
    # Marc, and the two admins of the config file (members whatever the database says).
    await riposte.expect(r"^-> #paris: 3 membres ; 0 demande en attente\.")
    assert await riposte.finish() == 0
