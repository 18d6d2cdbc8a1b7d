"""The IRC transport against real IRC servers (miniircd, and ngircd when installed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.domain.messages import OutgoingMessage, Target, TargetKind
from bot.store.outbox import Priority
from tests.fakes.irc_human import bot_joined
from tests.fakes.irc_servers import IrcServer

MAX_LINE = 512


async def test_alert_typed_on_irc_reaches_other_irc_channel_and_console_and_ack_comes_back(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    bot = await start_bot(
        server,
        admins=["irc:alice", "console:root"],
        members={"open_join": True},
        trust_nicks=True,
        channels=["#lyon", "#marseille"],
    )
    alice = await humans(server, "alice", "#lyon", "#marseille")
    await bot_joined(alice, "#lyon", bot.nick)
    await bot_joined(alice, "#marseille", bot.nick)
    bot.console("#paris root: /link")
    await bot.wait_console("-> #paris: Salon relié")
    await alice.say("#lyon", "!link")
    await alice.wait_text(bot.nick, "Salon relié", "#lyon")
    await alice.say("#marseille", f"{bot.nick}: link")
    await alice.wait_text(bot.nick, "Salon relié", "#marseille")

    await alice.say("#lyon", "!alert Député X dit n'importe quoi https://example.org/live")

    await alice.wait_text(bot.nick, "relayée", "#lyon")
    relayed = await alice.wait_text(bot.nick, "Député X dit n'importe quoi", "#marseille")
    assert "!ack A1" in relayed.param(1)
    assert not any("Député X" in t for t in alice.texts_from(bot.nick, "#lyon"))
    await bot.wait_console("-> #paris: 🚨 Alerte A1")

    bot.console("#paris carol: /join")
    bot.console("#paris carol: /ack A1")
    await alice.wait_text(bot.nick, "carol s'en occupe", "#lyon")


async def test_long_message_arrives_as_several_lines_within_512_bytes(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    bot = await start_bot(
        server, admins=["irc:alice", "console:root"], trust_nicks=True, channels=["#lyon"]
    )
    alice = await humans(server, "alice", "#lyon")
    await bot_joined(alice, "#lyon", bot.nick)
    words = "Député élu à l'Assemblée, réforme des retraites, chiffres faux — vérifiez ! "
    text = (words * 40)[:2000].strip() + " FIN"
    assert len(text.encode()) > 2000
    mark = len(alice.raw)
    async with bot.app.db.transaction() as tx:  # type: ignore[union-attr]
        await tx.outbox.enqueue(
            Target("irc", TargetKind.ROOM, "#lyon"), OutgoingMessage.plain(text), Priority.ALERT
        )
    bot.app.engine.wake()  # type: ignore[union-attr]
    await alice.wait_text(bot.nick, " FIN", "#lyon")

    raw = [line for line in alice.raw[mark:] if b" PRIVMSG #lyon :" in line]
    assert len(raw) >= 5
    assert all(len(line) <= MAX_LINE for line in raw)
    pieces = alice.texts_from(bot.nick, "#lyon")
    assert " ".join(pieces) == text


async def test_crlf_injection_arrives_as_one_harmless_line(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    bot = await start_bot(server, admins=["console:root"], channels=["#lyon"])
    alice = await humans(server, "alice", "#lyon")
    await bot_joined(alice, "#lyon", bot.nick)
    mark = len(alice.messages)
    evil = "alerte\r\nQUIT :pwned\r\nPRIVMSG #lyon :forged\rJOIN #evil\x00NICK mallory"
    async with bot.app.db.transaction() as tx:  # type: ignore[union-attr]
        await tx.outbox.enqueue(
            Target("irc", TargetKind.ROOM, "#lyon"), OutgoingMessage.plain(evil), Priority.ALERT
        )
    bot.app.engine.wake()  # type: ignore[union-attr]
    line = await alice.wait_text(bot.nick, "QUIT", "#lyon", start=mark)
    assert "forged" in line.param(1) and "JOIN #evil" in line.param(1)
    await alice.say("#lyon", "!help")
    await alice.wait_text(bot.nick, "help", "#lyon", start=mark)
    after = alice.messages[mark:]
    assert next(m for m in after if (m.nick or "") == bot.nick and m.command == "PRIVMSG") == line
    assert not any(m.command in ("QUIT", "NICK", "JOIN") and m.nick == bot.nick for m in after)
    assert not any(m.param(1) == "forged" for m in after)


async def test_user_who_only_took_the_admins_nick_cannot_run_admin_commands(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    bot = await start_bot(server, admins=["irc:alice"], channels=["#lyon"])
    mallory = await humans(server, "alice", "#lyon")  # the admin's nick, no account
    await bot_joined(mallory, "#lyon", bot.nick)
    await mallory.say("#lyon", "!link")
    refusal = await mallory.wait_text(bot.nick, "identifié", "#lyon")
    assert refusal.command == "NOTICE"
    await mallory.say("#lyon", "!help")
    await mallory.wait_text(bot.nick, "Commandes", "#lyon")
    async with bot.app.db.transaction() as tx:  # type: ignore[union-attr]
        assert await tx.rooms.get("irc", "#lyon") is None


async def test_nick_in_use_bot_takes_another_and_still_answers(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    squatter = await humans(server, "sentinel", "#lyon")
    await start_bot(server, admins=["console:root"], channels=["#lyon"], nick="sentinel")
    await bot_joined(squatter, "#lyon", nick="sentinel_")
    await squatter.say("#lyon", "sentinel_: help")
    await squatter.wait_text("sentinel_", "Commandes", "#lyon")


async def test_server_restart_bot_reconnects_rejoins_and_delivers_what_was_queued(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    bot = await start_bot(
        server,
        admins=["irc:alice", "console:root"],
        trust_nicks=True,
        channels=["#lyon"],
        # A slow first retry, so the human is back in the channel before the bot.
        reconnect_min=3.0,
        reconnect_max=3.0,
    )
    alice = await humans(server, "alice", "#lyon")
    await bot_joined(alice, "#lyon", bot.nick)
    bot.console("#paris root: /link")
    await bot.wait_console("-> #paris: Salon relié")
    await alice.say("#lyon", "!link")
    await alice.wait_text(bot.nick, "Salon relié", "#lyon")
    await alice.close()

    server.stop()
    bot.console("#paris root: /alert pendant la coupure https://example.org/x")
    await bot.wait_console("-> #paris: Alerte A1")
    server.start()
    alice = await humans(server, "alice", "#lyon")
    await bot_joined(alice, "#lyon", bot.nick)
    await alice.wait_text(bot.nick, "pendant la coupure", "#lyon")


async def test_linked_irc_rooms_are_joined_at_start_without_being_configured(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    first = await start_bot(server, admins=["irc:alice"], trust_nicks=True, channels=["#nantes"])
    alice = await humans(server, "alice", "#lyon", "#nantes")
    await bot_joined(alice, "#nantes", first.nick)
    await alice.say("#nantes", "!link")
    await alice.wait_text(first.nick, "Salon relié", "#nantes")
    await first.stop()

    mark = len(alice.messages)
    second = await start_bot(server, admins=["irc:alice"], trust_nicks=True, channels=["#lyon"])
    await bot_joined(alice, "#lyon", second.nick, start=mark)
    await bot_joined(alice, "#nantes", second.nick, start=mark)


async def test_burst_of_20_relayed_alerts_is_paced_and_the_server_never_complains(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    # The servers' default flood settings, and the bot's pacing near the server's own
    # sustained rate: ngircd takes about 3 short lines/s (the shipped default, one
    # line per 2 s, is six times slower); miniircd has no flood control at all.
    interval = {"ngircd": 0.35, "miniircd": 0.1}[server.kind]
    bot = await start_bot(
        server,
        admins=["irc:alice", "console:root"],
        trust_nicks=True,
        channels=["#lyon"],
        pacing_burst=4,
        pacing_interval=interval,
    )
    alice = await humans(server, "alice", "#lyon")
    await bot_joined(alice, "#lyon", bot.nick)
    await alice.say("#lyon", "!link")
    await alice.wait_text(bot.nick, "Salon relié", "#lyon")
    bot.console("#paris root: /link")
    await bot.wait_console("-> #paris: Salon relié")
    mark = len(alice.messages)
    for number in range(1, 21):
        bot.console(f"#paris root: /alert fuite numéro {number}")
    await alice.wait_text(bot.nick, "fuite numéro 20", "#lyon", start=mark, timeout=60)

    relayed = [t for t in alice.texts_from(bot.nick, "#lyon", start=mark) if "fuite" in t]
    assert [int(t.split("numéro ")[1].split()[0]) for t in relayed] == list(range(1, 21))
    after = alice.messages[mark:]
    assert not any(m.command in ("QUIT", "ERROR", "KILL") for m in after)
    assert not any(m.command == "JOIN" and m.nick == bot.nick for m in after)  # no reconnect
    await alice.say("#lyon", "!help")
    await alice.wait_text(bot.nick, "Commandes", "#lyon", start=mark)


async def test_private_alert_to_a_member_who_is_offline_arrives_when_they_come_back(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    bot = await start_bot(
        server,
        admins=["console:root"],
        members={"open_join": True},
        trust_nicks=True,
        channels=["#lyon"],
    )
    alice, bob = await asyncio.gather(
        humans(server, "alice", "#lyon"), humans(server, "bob", "#lyon")
    )
    await bot_joined(alice, "#lyon", bot.nick)
    await alice.say(bot.nick, "join")
    await alice.wait_text(bot.nick, "Bienvenue", "alice")
    await alice.say(bot.nick, "subscribe")
    await alice.wait_text(bot.nick, "Abonnements", "alice")
    await alice.close()
    await bob.wait_for(lambda m: m.command == "QUIT" and m.nick == "alice")

    bot.console("#paris root: /alert fuite pendant son absence")
    await bot.wait_console("-> #paris: Alerte A1 relayée à 0 salon et 1 membre")
    alice = await humans(server, "alice")
    message = await alice.wait_text(bot.nick, "fuite pendant son absence", "alice")
    assert message.command == "PRIVMSG"
