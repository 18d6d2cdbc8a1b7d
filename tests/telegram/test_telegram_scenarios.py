"""The bot on python-telegram-bot, over real sockets, against the fake Bot API."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.telegram_api import FakeTelegramAPI, utf16_len
from tests.fakes.telegram_bot import (
    ALICE,
    BOB,
    CAROL,
    LYON,
    PARIS,
    RunningBot,
    link_rooms,
    run_bot,
)

DEEP_LINK = "https://t.me/riposte_test_bot?start=join"


async def join_with_dm(bot: RunningBot, user_id: int) -> None:
    """Join from a group, then open the private chat with the deep link, as a user would."""
    await bot.converse(LYON, user_id, "/join", DEEP_LINK)
    await bot.converse(user_id, user_id, "/start join", "écrire en privé")


async def test_alert_reaches_other_group_and_subscriber_by_dm_but_not_origin(
    bot: RunningBot,
) -> None:
    await link_rooms(bot, PARIS, LYON)
    await join_with_dm(bot, BOB)
    await bot.converse(BOB, BOB, "/subscribe", "Abonnements")
    await bot.converse(PARIS, ALICE, "/alert Député X dit n'importe quoi", "Alerte A1 relayée")

    relayed = await bot.wait_sent(LYON, "Député X dit n'importe quoi")
    private = await bot.wait_sent(BOB, "Député X dit n'importe quoi")
    assert "🚨 Alerte A1" in relayed.text and "Alice" in relayed.text
    assert private.text == relayed.text
    assert not any("Député X" in m.text for m in bot.api.sent_to(PARIS) if "🚨" in m.text)
    assert relayed.entity_texts() == ["🚨 Alerte A1"]


async def test_join_in_a_group_gives_the_deep_link_and_start_completes_it(
    bot: RunningBot,
) -> None:
    joined = await bot.converse(LYON, CAROL, "/join", "Bienvenue")
    link = await bot.wait_sent(LYON, DEEP_LINK)
    assert "M" in joined.text
    me = await bot.converse(LYON, CAROL, "/me", "Carol")
    assert "pas de message privé possible" in me.text and DEEP_LINK in me.text

    await bot.converse(CAROL, CAROL, "/start join", "je peux maintenant vous écrire en privé")
    me = await bot.converse(CAROL, CAROL, "/me", "messages privés possibles")
    assert DEEP_LINK not in me.text
    assert link.chat_id == LYON


async def test_start_join_in_private_joins_the_network(bot: RunningBot) -> None:
    hello = await bot.converse(BOB, BOB, "/start", "Bonjour")
    assert "/join" in hello.text
    welcome = await bot.converse(BOB, BOB, "/start join", "Bienvenue Bob")
    assert "membre du réseau" in welcome.text
    me = await bot.converse(BOB, BOB, "/me", "messages privés possibles")
    assert "Membre" in me.text or "membre" in me.text


async def test_command_for_another_bot_is_ignored(bot: RunningBot) -> None:
    bot.api.group_message(PARIS, ALICE, "/help@OtherBot")
    bot.api.group_message(PARIS, ALICE, "/rooms@OtherBot")
    await bot.converse(PARIS, ALICE, "/link@riposte_test_bot", "Salon relié")
    assert len(bot.api.sent_to(PARIS)) == 1


async def test_html_in_user_text_shows_as_text(bot: RunningBot) -> None:
    await link_rooms(bot, PARIS, LYON)
    nasty = 'Regardez <b>ça</b> & <a href="http://evil.example">ici</a> </code> <script>'
    await bot.converse(PARIS, ALICE, f"/alert {nasty}", "Alerte A1 relayée")
    relayed = await bot.wait_sent(LYON, "Regardez")
    assert nasty in relayed.text
    assert relayed.entity_texts("bold") == ["🚨 Alerte A1"]  # only our own header
    assert len(relayed.entities) == 1


async def test_long_alert_arrives_in_two_messages_with_no_broken_character(
    bot: RunningBot,
) -> None:
    await link_rooms(bot, PARIS, LYON)
    words = ["Député", "élu", "😀", "👍🏽", "café", "réforme", "🇫🇷", "naïf", "Œuvre", "n'importe"]
    text = ""
    i = 0
    while len(text) < 5000:
        text += words[i % len(words)] + ("\n\n" if i % 97 == 96 else " ")
        i += 1
    text = text[:5000].rstrip()
    assert len(text) <= 5000 and utf16_len(text) > 4096

    await bot.converse(PARIS, ALICE, f"/alert {text}", "Alerte A1 relayée")
    await bot.api.wait_for(lambda: len(bot.api.sent_to(LYON)) >= 3)  # link answer + 2 parts
    parts = bot.api.sent_to(LYON)[1:]
    assert len(parts) == 2
    assert all(utf16_len(part.text) <= 4096 for part in parts)
    joined = " ".join(part.text for part in parts)
    assert " ".join(text.split()) in " ".join(joined.split())
    assert "\ufffd" not in joined
    assert not parts[0].buttons and [b["callback_data"] for b in parts[1].buttons] == ["/ack A1"]


async def test_ack_button_acknowledges_the_alert(bot: RunningBot) -> None:
    await link_rooms(bot, PARIS, LYON)
    await bot.converse(LYON, BOB, "/join", "Bienvenue")
    await bot.converse(PARIS, ALICE, "/alert Manif devant la préfecture", "Alerte A1 relayée")
    relayed = await bot.wait_sent(LYON, "Manif devant la préfecture")
    [button] = relayed.buttons
    assert button["text"] == "Je m'en occupe"

    bot.api.callback_query(BOB, relayed, button["callback_data"])
    await bot.wait_sent(PARIS, "Bob s'en occupe (A1)")
    await bot.wait_sent(LYON, "vous vous occupez de A1")
    assert len(bot.api.calls_to("answerCallbackQuery")) == 1


async def test_cancel_edits_the_telegram_copy_and_removes_its_button(bot: RunningBot) -> None:
    await link_rooms(bot, PARIS, LYON)
    await bot.converse(PARIS, ALICE, "/alert Fausse alerte", "Alerte A1 relayée")
    relayed = await bot.wait_sent(LYON, "Fausse alerte")
    await bot.converse(PARIS, ALICE, "/cancel A1", "annulée")
    await bot.api.wait_for(lambda: relayed.edits == 1)
    assert relayed.text.startswith("[annulée]") and not relayed.buttons


async def test_rate_limited_message_is_sent_after_the_delay(bot: RunningBot) -> None:
    bot.api.fail_next("sendMessage", "429", retry_after=1)
    await bot.converse(PARIS, ALICE, "/link", "Salon relié")
    statuses = [call.status for call in bot.api.calls_to("sendMessage")]
    assert statuses == [429, 200]
    first, second = bot.api.calls_to("sendMessage")
    assert second.at - first.at >= 0.9


async def test_bad_gateway_is_retried(bot: RunningBot) -> None:
    bot.api.fail_next("sendMessage", "502")
    await bot.converse(PARIS, ALICE, "/link", "Salon relié")
    assert [call.status for call in bot.api.calls_to("sendMessage")] == [502, 200]


async def test_user_who_blocked_the_bot_is_marked_unreachable(bot: RunningBot) -> None:
    await link_rooms(bot, PARIS, LYON)
    await join_with_dm(bot, BOB)
    await bot.converse(BOB, BOB, "/subscribe", "Abonnements")
    bot.api.block_user(BOB)
    await bot.converse(PARIS, ALICE, "/alert Première", "Alerte A1 relayée à 1 salon et 1 membre")
    await bot.api.wait_for(
        lambda: any(c.status == 403 for c in bot.api.calls_to("sendMessage")), 20
    )
    # The next alert knows Bob cannot be reached, and Bob's /me says why.
    await bot.converse(PARIS, ALICE, "/alert Seconde", "Alerte A2 relayée à 1 salon et 0 membre")
    await bot.wait_sent(PARIS, "1 destinataire injoignable")
    me = await bot.converse(LYON, BOB, "/me", "Bob")
    assert "injoignable en privé" in me.text and "blocked" in me.text


async def test_supergroup_migration_keeps_the_linked_room(bot: RunningBot) -> None:
    old, new = -4001, -1004001
    bot.api.add_group(old, "Marseille", supergroup=False)
    await link_rooms(bot, PARIS, old)
    bot.api.migrate_chat(old, new)
    await bot.converse(PARIS, ALICE, "/rooms", "Marseille")  # the migration was processed
    await bot.converse(PARIS, ALICE, "/alert Après la migration", "Alerte A1 relayée à 1 salon")
    await bot.wait_sent(new, "Après la migration")
    assert not any("Après" in m.text for m in bot.api.sent_to(old))


async def test_send_into_a_migrated_group_follows_it(bot: RunningBot) -> None:
    old, new = -4002, -1004002
    bot.api.add_group(old, "Nice", supergroup=False)
    await link_rooms(bot, PARIS, old)
    bot.api.migrate_chat(old, new, announce=False)  # the bot learns it from a failed send
    await bot.converse(PARIS, ALICE, "/alert Une", "Alerte A1 relayée")
    await bot.wait_sent(new, "Une")
    await bot.converse(PARIS, ALICE, "/alert Deux", "Alerte A2 relayée")
    await bot.wait_sent(new, "Deux")
    sends_to_old = [c for c in bot.api.calls_to("sendMessage") if c.params["chat_id"] == old]
    assert len(sends_to_old) == 2  # the /link answer, then one refused send; never again


async def test_forum_topic_is_a_room_of_its_own(bot: RunningBot) -> None:
    bot.api.add_group(PARIS, "Paris", forum=True)
    bot.api.group_message(PARIS, ALICE, "/link dept:075", thread_id=42)
    linked = await bot.wait_sent(PARIS, "Salon relié")
    assert linked.message_thread_id == 42
    await link_rooms(bot, LYON)
    await bot.converse(LYON, ALICE, "/alert Dans le sujet", "Alerte A1 relayée à 1 salon")
    relayed = await bot.wait_sent(PARIS, "Dans le sujet")
    assert relayed.message_thread_id == 42


async def test_channel_posting_in_its_discussion_group_is_heard(bot: RunningBot) -> None:
    channel = -1009999
    bot.api.add_group(channel, "Le canal")
    bot.api.group_message(LYON, 777000, "/help", sender_chat=channel)
    reply = await bot.wait_sent(LYON, "/join")
    assert reply.chat_id == LYON


async def test_command_menu_is_registered_in_both_languages_scoped_by_role(
    bot: RunningBot,
) -> None:
    await bot.api.wait_for(lambda: len(bot.api.commands) >= 6)
    everyone_fr = {c["command"]: c["description"] for c in bot.api.commands["default:fr"]}
    everyone_en = {c["command"]: c["description"] for c in bot.api.commands["default:en"]}
    admins = {c["command"] for c in bot.api.commands["all_chat_administrators:en"]}
    assert everyone_fr["alert"] == "Lancer une alerte aux salons et aux abonnés"
    assert everyone_en["alert"] == "Raise an alert to rooms and subscribers"
    assert "link" not in everyone_fr and "rooms" not in everyone_en
    assert {"link", "rooms", "alert"} <= admins


async def test_webhook_mode_receives_updates_posted_by_telegram(
    tmp_path: Path, api: FakeTelegramAPI, unused_tcp_port: int
) -> None:
    import aiohttp

    from bot.transports.telegram.webhook import SECRET_HEADER

    url = f"http://127.0.0.1:{unused_tcp_port}/telegram-hook"
    async with run_bot(tmp_path, api, webhook_url=url, listen=f"127.0.0.1:{unused_tcp_port}"):
        [call] = api.calls_to("setWebhook")
        secret = call.params["secret_token"]
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": PARIS, "type": "supergroup", "title": "Paris"},
                "from": {"id": ALICE, "is_bot": False, "first_name": "Alice"},
                "text": "/link",
            },
        }
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=update) as refused:
                assert refused.status == 403
            async with session.post(url, json=update, headers={SECRET_HEADER: secret}) as ok:
                assert ok.status == 200
        await api.wait_for(lambda: any("Salon relié" in m.text for m in api.sent_to(PARIS)))
        assert not api.calls_to("getUpdates")


class _NoInbox:
    async def handle(self, message: object) -> None:
        pass

    async def chat_moved(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        pass


async def test_clip_is_uploaded_as_a_video_with_an_escaped_caption(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    from bot.config import Secret, TelegramSettings
    from bot.domain.messages import OutgoingMessage, Span, Style, Target, TargetKind
    from bot.transports.telegram import TelegramTransport

    settings = TelegramSettings(
        enabled=True, token=Secret(api.token), base_url=api.base_url, set_commands=False
    )
    transport = TelegramTransport(settings)
    clip = tmp_path / "K17.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096)
    await transport.start(_NoInbox())
    try:
        caption = OutgoingMessage((Span("Clip K17", Style.BOLD), Span(" <45 s>")))
        ref = await transport.send_video(
            Target("telegram", TargetKind.ROOM, f"{PARIS}:7"), clip, caption
        )
    finally:
        await transport.stop()
    [call] = api.calls_to("sendVideo")
    assert call.files == ("video",) and call.params["message_thread_id"] == 7
    assert api.upload_bytes == clip.stat().st_size  # streamed from disk, whole
    [sent] = api.sent_to(PARIS)
    assert sent.text == "Clip K17 <45 s>" and sent.entity_texts("bold") == ["Clip K17"]
    assert ref.message_ids == (str(sent.message_id),)


async def test_button_on_a_private_alert_acks_it_from_the_private_chat(bot: RunningBot) -> None:
    await link_rooms(bot, PARIS)
    await join_with_dm(bot, BOB)
    await bot.converse(BOB, BOB, "/subscribe", "Abonnements")
    await bot.converse(PARIS, ALICE, "/alert Au JT de 20h", "Alerte A1 relayée")
    private = await bot.wait_sent(BOB, "Au JT de 20h")
    bot.api.callback_query(BOB, private, private.buttons[0]["callback_data"])
    await bot.wait_sent(BOB, "vous vous occupez de A1")
    await bot.wait_sent(PARIS, "Bob s'en occupe (A1)")


async def test_start_in_a_group_points_to_join_and_help(bot: RunningBot) -> None:
    reply = await bot.converse(PARIS, BOB, "/start", "/join")
    assert "/help" in reply.text


async def test_a_queued_clip_video_is_uploaded_and_an_oversized_one_is_skipped(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    import pytest

    from bot.config import Secret, TelegramSettings
    from bot.domain.messages import OutgoingMessage, Span, Target, TargetKind
    from bot.transports import Undeliverable
    from bot.transports.telegram import TelegramTransport

    settings = TelegramSettings(
        enabled=True, token=Secret(api.token), base_url=api.base_url, set_commands=False,
        max_upload_mb=1,
    )
    transport = TelegramTransport(settings)
    small = tmp_path / "K1.mp4"
    small.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096)
    big = tmp_path / "K2.mp4"
    big.write_bytes(b"\x00" * (2 * 1024 * 1024))
    room = Target("telegram", TargetKind.ROOM, str(PARIS))
    await transport.start(_NoInbox())
    try:
        await transport.send(room, OutgoingMessage((Span("Extrait K1"),), video=str(small)))
        with pytest.raises(Undeliverable):
            await transport.send(room, OutgoingMessage((Span("Extrait K2"),), video=str(big)))
    finally:
        await transport.stop()
    assert len(api.calls_to("sendVideo")) == 1
    assert [m.text for m in api.sent_to(PARIS)] == ["Extrait K1"]
