"""`riposte run` with the console and Discord at once, Discord being the fake on 127.0.0.1.

These follow the evening in SCENARIOS.md: an alert typed on Discord (as `!alert`
or as the `/alert` slash command) reaches a console room and another Discord
channel; a button press acknowledges it; Discord subscribers are reached by
their scope's role, never by DM; a deleted channel is marked unreachable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.discord_transport.conftest import ADMIN, start_riposte
from tests.fakes.bot_process import BotProcess, start_bot
from tests.fakes.config_files import write_config
from tests.fakes.discord_api import FakeDiscord

GENERAL = "100000000000000001"
ALERTES = "100000000000000002"
MARC = "300000000000000002"
ROLE_RETRAITES = "555000000000000001"
ROLE_DEPT = "555000000000000002"


@pytest.fixture
async def riposte(tmp_path: Path, fake_discord: FakeDiscord) -> AsyncIterator[BotProcess]:
    # Not about vetting: `join` admits at once.
    session = await start_riposte(tmp_path, fake_discord, members={"open_join": True})
    try:
        yield session
    finally:
        await session.kill()


async def say_on_discord(fake: FakeDiscord, channel: str, user: str, name: str, text: str) -> str:
    """Post `text` and wait for the bot's next message in that channel; return its content."""
    before = len(fake.sent_to(channel))
    await fake.inject_message(channel, user, name, text)
    await fake.wait_until(lambda: len(fake.sent_to(channel)) > before)
    return fake.sent_to(channel)[before].content


async def test_prefix_and_slash_alerts_reach_console_room_and_other_channel(
    riposte: BotProcess, fake_discord: FakeDiscord
) -> None:
    await riposte.say("#paris alice: /link")
    await riposte.expect(r"^-> #paris: Salon relié")
    assert "Salon relié" in await say_on_discord(fake_discord, GENERAL, ADMIN, "admin", "!link")
    assert "Salon relié" in await say_on_discord(fake_discord, ALERTES, ADMIN, "admin", "!lier")

    # A 429 on the way to #alertes is waited out; the alert still arrives once.
    fake_discord.rate_limit_next("POST", rf"/channels/{ALERTES}/messages$", 0.2)
    reply = await say_on_discord(
        fake_discord, GENERAL, ADMIN, "admin", "!alert Député X ment sur France 2 @everyone"
    )
    assert "Alerte A1 relayée à 2 salons" in reply
    await riposte.expect(r"^-> #paris: 🚨 Alerte A1 — Admin \(#general\) : Député X ment")
    await fake_discord.wait_until(lambda: len(fake_discord.sent_to(ALERTES)) == 2)
    copy = fake_discord.sent_to(ALERTES)[1]
    [card] = copy.embeds  # the alert card
    assert card["title"] == "🚨 Alerte A1"
    assert "Député X ment sur France 2" in card["description"]
    assert "@everyone" not in copy.text
    assert copy.allowed_mentions == {"parse": []}
    assert copy.components[0]["components"][0]["custom_id"] == "rp:/ack A1"
    statuses = [c.status for c in fake_discord.calls if c.path.endswith(f"{ALERTES}/messages")]
    assert 429 in statuses

    # The same through the slash command, typed in #alertes.
    await fake_discord.inject_slash(ALERTES, ADMIN, "admin", "alert", "Deuxième alerte")
    await riposte.expect(r"^-> #paris: 🚨 Alerte A2 — Admin \(#alertes\) : Deuxième alerte")
    await fake_discord.wait_until(
        lambda: any("Alerte A2" in m.text for m in fake_discord.sent_to(GENERAL))
    )
    assert [c["type"] for c in fake_discord.callbacks] == [4]
    assert await riposte.finish() == 0


async def test_button_press_acknowledges_the_alert(
    riposte: BotProcess, fake_discord: FakeDiscord
) -> None:
    await riposte.say("#paris alice: /link")
    await riposte.expect(r"^-> #paris: Salon relié")
    await say_on_discord(fake_discord, ALERTES, ADMIN, "admin", "!link")
    await say_on_discord(fake_discord, ALERTES, MARC, "marc", "!join")
    await riposte.say("#paris alice: /alert Le député X dit n'importe quoi")
    await fake_discord.wait_until(
        lambda: any("Alerte A1" in m.text for m in fake_discord.sent_to(ALERTES))
    )
    copy = next(m for m in fake_discord.sent_to(ALERTES) if "Alerte A1" in m.text)
    await fake_discord.inject_button(copy.id, MARC, "marc", "rp:/ack A1")
    await riposte.expect(r"^-> #paris: Marc s'en occupe \(A1\)\.")
    await fake_discord.wait_until(
        lambda: any("vous vous occupez de A1" in m.content for m in fake_discord.sent_to(ALERTES))
    )
    assert [c["type"] for c in fake_discord.callbacks] == [6]
    assert await riposte.finish() == 0


async def test_discord_subscribers_get_their_scope_role_mentioned_and_no_dm(
    riposte: BotProcess, fake_discord: FakeDiscord
) -> None:
    await riposte.say("#paris alice: /link")
    await riposte.expect(r"^-> #paris: Salon relié")
    await say_on_discord(fake_discord, ALERTES, ADMIN, "admin", "!link retraites dept:075")
    answer = await say_on_discord(
        fake_discord, ALERTES, ADMIN, "admin", f"!rolemap #retraites <@&{ROLE_RETRAITES}>"
    )
    assert "#retraites" in answer and ROLE_RETRAITES in answer
    await say_on_discord(fake_discord, ALERTES, ADMIN, "admin", f"!rolemap dept:075 {ROLE_DEPT}")
    await say_on_discord(fake_discord, ALERTES, MARC, "marc", "!join")
    await say_on_discord(fake_discord, ALERTES, MARC, "marc", "!subscribe retraites")
    await fake_discord.wait_until(
        lambda: any("pas envoyées en privé" in m.content for m in fake_discord.sent_to(ALERTES))
    )
    listing = await say_on_discord(fake_discord, ALERTES, ADMIN, "admin", "!rolemap")
    assert f"#retraites → rôle {ROLE_RETRAITES}" in listing
    refusal = await say_on_discord(fake_discord, ALERTES, ADMIN, "admin", "!rolemap #x personne")
    assert "n'est pas un rôle" in refusal

    # The gateway drops; the client resumes and the alert still goes out.
    await fake_discord.drop_gateway()
    await fake_discord.wait_connected()
    await riposte.say("#paris alice: /alert Retraites : chiffre faux @here #retraites")
    # Marc is reached by his scope's role in #alertes: he counts among the members.
    await riposte.expect(r"^-> #paris: Alerte A1 relayée à 1 salon et 1 membre")
    await fake_discord.wait_until(
        lambda: any("Alerte A1" in m.text for m in fake_discord.sent_to(ALERTES))
    )
    copy = next(m for m in fake_discord.sent_to(ALERTES) if "Alerte A1" in m.text)
    assert copy.content == f"<@&{ROLE_RETRAITES}>"  # the role, in the content, alone
    assert f"<@&{ROLE_DEPT}>" not in copy.text and "@here" not in copy.text
    assert copy.allowed_mentions == {"parse": [], "roles": [int(ROLE_RETRAITES)]}
    assert fake_discord.dm_channels == {}  # nobody was sent a DM
    assert len(fake_discord.resumes) == 1
    assert await riposte.finish() == 0


async def test_deleted_channel_is_marked_unreachable(
    riposte: BotProcess, fake_discord: FakeDiscord
) -> None:
    await riposte.say("#paris alice: /link")
    await riposte.expect(r"^-> #paris: Salon relié")
    await say_on_discord(fake_discord, ALERTES, ADMIN, "admin", "!link")
    fake_discord.delete_channel(ALERTES)
    await riposte.say("#paris alice: /alert Ce salon a disparu")
    await riposte.expect(r"^-> #paris: Alerte A1 relayée")
    await riposte.expect(rf"discord:{ALERTES} unreachable", in_log=True)
    await riposte.say("#paris alice: /rooms")
    line = await riposte.expect(r"#alertes \(discord\).*injoignable")
    assert "Unknown Channel" in line
    assert await riposte.finish() == 0


async def test_refused_token_stops_riposte_with_one_clear_line(
    tmp_path: Path, fake_discord: FakeDiscord
) -> None:
    config = write_config(
        tmp_path,
        discord={
            "enabled": True,
            "token": "env:RIPOSTE_TEST_DISCORD_TOKEN",
            "api_base": fake_discord.api_base,
        },
    )
    session = await start_bot(config, {"RIPOSTE_TEST_DISCORD_TOKEN": "s3cret-but-wrong"})
    try:
        code = await asyncio.wait_for(session.process.wait(), 30)
    finally:
        await session.kill()
    stderr = "\n".join(session.stderr_lines)
    assert code == 2
    assert "discord: the bot token was refused" in stderr
    assert "Traceback" not in stderr and "s3cret-but-wrong" not in stderr
