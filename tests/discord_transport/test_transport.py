"""The transport alone against the fake Discord: what reaches the wire, what comes back."""

from __future__ import annotations

import pytest

from bot.commands import Registry
from bot.domain.messages import (
    Button,
    OutgoingMessage,
    SentRef,
    Span,
    Style,
    Target,
    TargetKind,
)
from bot.transports.base import PermanentError, RateLimited, TransientError
from bot.transports.discord import DiscordStartError, DiscordTransport
from tests.discord_transport.conftest import RecordingInbox, Running, discord_settings
from tests.fakes.discord_api import FakeDiscord

GENERAL = "100000000000000001"
ALERTES = "100000000000000002"


def room(channel_id: str = GENERAL) -> Target:
    return Target("discord", TargetKind.ROOM, channel_id)


async def test_bot_logs_in_and_registers_slash_commands_in_french_and_english(
    started: Running, fake_discord: FakeDiscord
) -> None:
    commands = {c["name"]: c for c in fake_discord.commands[fake_discord.guild_id]}
    assert {"alert", "ack", "link", "help", "rolemap"} <= set(commands)
    alert = commands["alert"]
    assert alert["description"] == "Raise an alert to rooms and subscribers"
    assert alert["description_localizations"]["fr"].startswith("Lancer une alerte")
    assert [o["name"] for o in alert["options"]] == ["arguments"]
    assert "options" not in commands["me"]  # no arguments, no option
    assert [i["intents"] for i in fake_discord.identifies] == [1 | 512 | 4096 | 32768]


async def test_relayed_everyone_does_not_ping_anyone(
    started: Running, fake_discord: FakeDiscord
) -> None:
    transport = started.transport
    await transport.send(
        room(), OutgoingMessage.plain("@everyone @here <@&555000000000000009> regardez *ça*")
    )
    [sent] = fake_discord.sent_to(GENERAL)
    assert sent.allowed_mentions == {"parse": []}  # no @everyone, no users, no roles
    assert "@everyone" not in sent.content and "@here" not in sent.content
    assert "<@&555000000000000009>" not in sent.content
    assert "\\*ça\\*" in sent.content


async def test_three_thousand_characters_arrive_as_two_messages(
    started: Running, fake_discord: FakeDiscord
) -> None:
    transport = started.transport
    words = " ".join(f"mot{i:04d}" for i in range(375))  # 375 * 8 - 1 = 2999 characters
    ref = await transport.send(room(), OutgoingMessage.plain(words))
    sent = fake_discord.sent_to(GENERAL)
    assert len(sent) == 2 and len(ref.message_ids) == 2
    assert all(len(m.content) <= 2000 for m in sent)
    assert " ".join(m.content for m in sent) == words  # cut between words, nothing lost


async def test_button_press_arrives_as_the_command_and_is_acknowledged(
    started: Running, fake_discord: FakeDiscord
) -> None:
    transport, inbox = started.transport, started.inbox
    message = OutgoingMessage.plain("Alerte A1")
    message = OutgoingMessage(message.spans, (Button("Je m'en occupe", "/ack A1"),))
    ref = await transport.send(room(), message)
    [sent] = fake_discord.sent_to(GENERAL)
    [row] = sent.components
    [button] = row["components"]
    assert button["label"] == "Je m'en occupe" and button["custom_id"] == "rp:/ack A1"
    await fake_discord.inject_button(ref.message_ids[0], "300000000000000001", "marc", "rp:/ack A1")
    incoming = await inbox.next()
    assert incoming.text == "/ack A1"
    assert incoming.user_id == "300000000000000001" and incoming.chat_id == GENERAL
    assert not incoming.is_private
    await fake_discord.wait_until(lambda: len(fake_discord.callbacks) == 1)
    assert fake_discord.callbacks[0]["type"] == 6  # deferred update: no "interaction failed"


async def test_slash_command_arrives_as_text_and_gets_a_private_answer(
    started: Running, fake_discord: FakeDiscord
) -> None:
    inbox = started.inbox
    await fake_discord.inject_slash(
        ALERTES, "300000000000000002", "sophie", "alert", "Député X #retraites"
    )
    incoming = await inbox.next()
    assert incoming.text == "/alert Député X #retraites"
    assert incoming.chat_id == ALERTES and incoming.chat_title == "#alertes"
    await fake_discord.wait_until(lambda: len(fake_discord.callbacks) == 1)
    [callback] = fake_discord.callbacks
    assert callback["type"] == 4 and callback["data"]["flags"] == 64


async def test_prefix_command_and_thread_message_arrive_with_their_room(
    fake_discord: FakeDiscord,
) -> None:
    from handlers import ROUTERS

    fake_discord.threads["110000000000000001"] = (GENERAL, "fil-retraites")
    transport = DiscordTransport(discord_settings(fake_discord), Registry(ROUTERS))
    inbox = RecordingInbox()
    await transport.start(inbox)
    try:
        await fake_discord.inject_message(
            "110000000000000001", "300000000000000003", "lea", "!link"
        )
        incoming = await inbox.next()
        assert incoming.text == "!link"
        assert incoming.chat_id == "110000000000000001"
        assert incoming.chat_title == "#general › fil-retraites"
        await transport.send(room("110000000000000001"), OutgoingMessage.plain("dans le fil"))
        assert [m.content for m in fake_discord.sent_to("110000000000000001")] == ["dans le fil"]
        await fake_discord.inject_message("", "300000000000000003", "lea", "!me", dm=True)
        private = await inbox.next()
        assert private.is_private and private.text == "!me"
    finally:
        await transport.stop()


async def test_channel_messages_are_ignored_without_the_message_content_intent(
    fake_discord: FakeDiscord,
) -> None:
    from handlers import ROUTERS

    settings = discord_settings(fake_discord, message_content=False)
    transport = DiscordTransport(settings, Registry(ROUTERS))
    inbox = RecordingInbox()
    await transport.start(inbox)
    try:
        assert fake_discord.identifies[0]["intents"] == 1 | 4096
        await fake_discord.inject_message(GENERAL, "300000000000000003", "lea", "!alert x")
        await fake_discord.inject_slash(GENERAL, "300000000000000003", "lea", "help", None)
        assert (await inbox.next()).text == "/help"  # the slash command, not the !alert
    finally:
        await transport.stop()


async def test_short_rate_limit_is_waited_out_and_the_message_sent_once(
    started: Running, fake_discord: FakeDiscord
) -> None:
    transport = started.transport
    fake_discord.rate_limit_next("POST", rf"/channels/{GENERAL}/messages$", 0.2)
    await transport.send(room(), OutgoingMessage.plain("après la pause"))
    posts = [c for c in fake_discord.calls if c.method == "POST" and GENERAL in c.path]
    assert [c.status for c in posts] == [429, 200]
    assert [m.content for m in fake_discord.sent_to(GENERAL)] == ["après la pause"]


async def test_long_rate_limit_is_handed_to_the_outbox_with_its_delay(
    started: Running, fake_discord: FakeDiscord
) -> None:
    transport = started.transport
    fake_discord.rate_limit_next("POST", rf"/channels/{GENERAL}/messages$", 120.0)
    with pytest.raises(RateLimited) as caught:
        await transport.send(room(), OutgoingMessage.plain("plus tard"))
    assert caught.value.retry_after == 120.0
    assert fake_discord.sent_to(GENERAL) == []


async def test_deleted_channel_is_a_permanent_failure(
    started: Running, fake_discord: FakeDiscord
) -> None:
    transport = started.transport
    fake_discord.delete_channel(ALERTES)
    with pytest.raises(PermanentError, match="Unknown Channel"):
        await transport.send(room(ALERTES), OutgoingMessage.plain("personne"))


async def test_server_error_is_transient(started: Running, fake_discord: FakeDiscord) -> None:
    transport = started.transport
    fake_discord.fail_next("POST", r"/messages$", 503, {"message": "overloaded", "code": 0})
    with pytest.raises(TransientError):
        await transport.send(room(), OutgoingMessage.plain("encore"))


async def test_gateway_drop_is_resumed_and_events_keep_coming(
    started: Running, fake_discord: FakeDiscord
) -> None:
    inbox = started.inbox
    session = fake_discord.identifies[0]
    await fake_discord.drop_gateway()
    await fake_discord.wait_connected()
    assert len(fake_discord.resumes) == 1 and len(fake_discord.identifies) == 1
    assert fake_discord.resumes[0]["token"] == session["token"]
    await fake_discord.inject_message(GENERAL, "300000000000000004", "paul", "!alerts")
    assert (await inbox.next()).text == "!alerts"


async def test_bad_token_is_a_clear_start_error(fake_discord: FakeDiscord) -> None:
    from bot.config import Secret
    from handlers import ROUTERS

    settings = discord_settings(fake_discord, token=Secret("wrong", env="DISCORD_TOKEN"))
    transport = DiscordTransport(settings, Registry(ROUTERS))
    with pytest.raises(DiscordStartError, match="token was refused") as caught:
        await transport.start(RecordingInbox())
    assert "wrong" not in str(caught.value)
    await transport.stop()


async def test_alert_mentions_exactly_the_opt_in_role_of_its_scope(
    started: Running, fake_discord: FakeDiscord
) -> None:
    transport = started.transport
    started.roles["retraites"] = "555000000000000001"
    message = OutgoingMessage.plain("🚨 Alerte A1 @everyone")
    message = OutgoingMessage(message.spans, mention_tags=("retraites",))
    await transport.send(room(), message)
    await transport.send(Target("discord", TargetKind.USER, "300000000000000005"), message)
    [in_room] = fake_discord.sent_to(GENERAL)
    assert in_room.content.startswith("<@&555000000000000001>\n")
    assert in_room.allowed_mentions == {"parse": [], "roles": [555000000000000001]}
    [dm_channel] = fake_discord.dm_channels.values()
    [in_dm] = fake_discord.sent_to(dm_channel)
    assert "<@&" not in in_dm.content


async def test_edit_replaces_the_text_and_removes_the_button(
    started: Running, fake_discord: FakeDiscord
) -> None:
    transport = started.transport
    first = OutgoingMessage.plain("Alerte A1")
    ref = await transport.send(room(), OutgoingMessage(first.spans, (Button("OK", "/ack A1"),)))
    await transport.edit(ref, OutgoingMessage.plain("[annulée] Alerte A1"))
    [sent] = fake_discord.sent_to(GENERAL)
    assert sent.content == "\\[annulée\\] Alerte A1" or sent.content == "[annulée] Alerte A1"
    assert sent.components == []
    assert isinstance(ref, SentRef) and ref.chat_id == GENERAL


async def test_missing_message_content_intent_is_a_clear_start_error(
    fake_discord: FakeDiscord,
) -> None:
    from handlers import ROUTERS

    fake_discord.message_content_allowed = False
    transport = DiscordTransport(discord_settings(fake_discord), Registry(ROUTERS))
    with pytest.raises(DiscordStartError, match="Message Content intent is not enabled"):
        await transport.start(RecordingInbox())
    await transport.stop()


async def test_alert_card_is_an_embed_and_its_cancellation_plain_text(
    started: Running, fake_discord: FakeDiscord
) -> None:
    started.roles["retraites"] = "555000000000000001"
    card = OutgoingMessage(
        (Span("🚨 Alerte A1", Style.BOLD), Span(" — Sophie (#lyon) : le député *X* @everyone")),
        (Button("Je m'en occupe", "/ack A1"),),
        mention_tags=("retraites",),
    )
    ref = await started.transport.send(room(), card)
    [sent] = fake_discord.sent_to(GENERAL)
    assert sent.content == "<@&555000000000000001>"
    [embed] = sent.embeds
    assert embed["title"] == "🚨 Alerte A1"
    assert embed["description"] == "Sophie (#lyon) : le député \\*X\\* @\u200beveryone"
    assert sent.components[0]["components"][0]["custom_id"] == "rp:/ack A1"
    await started.transport.edit(ref, OutgoingMessage.plain("[annulée] Alerte A1"))
    assert sent.embeds == [] and sent.components == []
    assert "annulée" in sent.content


async def test_a_clip_is_uploaded_as_an_attachment_with_its_caption(
    started: Running, fake_discord: FakeDiscord, tmp_path: pytest.TempPathFactory
) -> None:
    from pathlib import Path

    from bot.transports import Undeliverable
    from bot.transports.discord import adapter

    clip = Path(str(tmp_path)) / "K17.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096)
    caption = (Span("Extrait K17", Style.BOLD), Span(" — @everyone regardez"))
    await started.transport.send(room(), OutgoingMessage(caption, video=str(clip)))
    [sent] = fake_discord.sent_to(GENERAL)
    assert sent.files == ["K17.mp4"]
    assert fake_discord.upload_bytes == clip.stat().st_size  # streamed from disk, whole
    assert "Extrait K17" in sent.content
    assert sent.allowed_mentions is not None and not sent.allowed_mentions.get("parse")
    big = Path(str(tmp_path)) / "K18.mp4"
    big.write_bytes(b"\x00" * (adapter.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(Undeliverable):
        await started.transport.send(room(), OutgoingMessage(caption, video=str(big)))


async def test_a_data_export_goes_to_the_member_privately_as_an_attachment(
    started: Running, fake_discord: FakeDiscord, tmp_path: pytest.TempPathFactory
) -> None:
    from pathlib import Path

    export = Path(str(tmp_path)) / "riposte-export-M7-20250101-000000-abc123.json"
    export.write_text('{"member": {"id": "M7"}}\n', encoding="utf-8")
    message = OutgoingMessage((Span("Vos données (M7)."),), document=str(export))
    await started.transport.send(Target("discord", TargetKind.USER, "300000000000000007"), message)
    [dm_channel] = fake_discord.dm_channels.values()
    [sent] = fake_discord.sent_to(dm_channel)
    assert sent.files == [export.name]
    assert fake_discord.upload_bytes == export.stat().st_size
    assert "Vos données (M7)." in sent.content
