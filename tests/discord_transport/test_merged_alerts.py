"""Alerts queued for one Discord channel go out merged: each keeps its card, and every
opt-in role any of them concerns is pinged, and nobody else."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.delivery import DeliveryEngine
from bot.domain.messages import Button, OutgoingMessage, Span, Style, Target, TargetKind
from bot.store import Database, Priority
from tests.discord_transport.conftest import Running
from tests.fakes.discord_api import FakeDiscord

GENERAL = "100000000000000001"
RETRAITES = "555000000000000001"
PARIS = "555000000000000002"


def card(number: int, tag: str, text: str) -> OutgoingMessage:
    return OutgoingMessage(
        (Span(f"🚨 Alerte A{number}", Style.BOLD), Span(f" — Sophie (#lyon) : {text}")),
        (Button("Je m'en occupe", f"/ack A{number}"),),
        mention_tags=(tag,),
    )


async def test_alerts_merged_for_one_channel_keep_their_cards_and_all_their_roles(
    started: Running, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    started.roles.update({"retraites": RETRAITES, "dept:075": PARIS})
    channel = Target("discord", TargetKind.ROOM, GENERAL)
    queued = [
        card(1, "retraites", "les retraites auraient augmenté de 20 %"),
        OutgoingMessage.plain("Marc s'en occupe (A1)."),
        card(2, "dept:075", "le maire de Paris @everyone"),
    ]
    async with Database.open(tmp_path / "bot.db") as db:
        await db.migrate()
        async with db.transaction() as tx:
            for message in queued:
                await tx.outbox.enqueue(channel, message, Priority.ALERT)
        engine = DeliveryEngine(db, {"discord": started.transport})
        await engine.recover()
        running = asyncio.create_task(engine.run())
        engine.wake()
        try:
            assert await engine.wait_idle(20)
        finally:
            engine.stop()
            await running
    sent = fake_discord.sent_to(GENERAL)
    assert len(sent) < len(queued)  # the channel's pace made the engine merge them
    embeds = [embed for message in sent for embed in message.embeds]
    assert [e.get("title") for e in embeds] == ["🚨 Alerte A1", None, "🚨 Alerte A2"]
    assert embeds[1]["description"] == "Marc s'en occupe (A1)."
    assert embeds[2]["description"] == "Sophie (#lyon) : le maire de Paris @\u200beveryone"
    for message in sent:
        titles = {e.get("title") for e in message.embeds}
        wanted = {RETRAITES} if "🚨 Alerte A1" in titles else set()
        wanted |= {PARIS} if "🚨 Alerte A2" in titles else set()
        # Each role its alerts concern is pinged in the content; no @everyone, no users.
        assert message.allowed_mentions is not None
        assert message.allowed_mentions["parse"] == []
        assert set(map(str, message.allowed_mentions.get("roles", []))) == wanted
        assert {f"<@&{role}>" for role in wanted} <= set(message.content.split())
    buttons = [
        button["custom_id"]
        for message in sent
        for row in message.components
        for button in row["components"]
    ]
    assert buttons == ["rp:/ack A1", "rp:/ack A2"]
