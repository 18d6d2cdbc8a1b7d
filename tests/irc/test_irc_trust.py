"""Trust on IRC: invitation codes, accounts forgotten when a nick leaves, the bot's own nick.

Real servers (miniircd, ngircd) for the wire as servers write it; the scripted
IRCv3 server for a network with services but without `account-tag`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.config import IrcSettings
from bot.domain.membership import code_digest
from bot.domain.messages import IncomingMessage
from bot.transports.irc import IrcTransport
from tests.fakes.irc_human import bot_joined
from tests.fakes.irc_scripted import ScriptedIrcServer
from tests.fakes.irc_servers import IrcServer
from tests.irc.conftest import FAST_IRC

CODE = re.compile(r"join ([2-9A-Z]{10})")


async def test_join_with_a_code_on_irc_admits_once_and_members_keep_it(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    bot = await start_bot(
        server, admins=["console:root"], trust_nicks=True, channels=["#lyon"],
        members={"invites_per_member": 1},
    )
    bob, carol = await humans(server, "bob", "#lyon"), await humans(server, "carol", "#lyon")
    await bot_joined(bob, "#lyon", bot.nick)
    bot.console("@root: /invite 2 dept:069")
    await bot.wait_console("-> @root: 2 invitations")
    await bot.wait_console("Transmettez-les")
    first, second = CODE.findall(bot.out.text)

    await bob.say(bot.nick, f"join {first}")
    welcome = await bob.wait_text(bot.nick, "Bienvenue bob", "bob")
    assert "invité·e par root" in welcome.param(1)
    await carol.say(bot.nick, f"join {first}")
    await carol.wait_text(bot.nick, "déjà servi", "carol")
    await bob.say("#lyon", f"!join {second}")  # a member typing a code in the channel
    await bob.wait_text(bot.nick, "reste valable pour quelqu'un d'autre", "#lyon")
    async with bot.app.db.transaction() as tx:  # type: ignore[union-attr]
        await tx.invitations.create(
            1, [code_digest("XPRD2345AB")], (), expires_at=time.time() - 1,
            created_at=time.time() - 3600,
        )
    await carol.say(bot.nick, "join XPRD2345AB")
    await carol.wait_text(bot.nick, "a expiré", "carol")

    await bob.say(bot.nick, "invite 2")  # a plain member: one invitation at most
    await bob.wait_text(bot.nick, "encore inviter 1 personne", "bob")
    await bob.say(bot.nick, "invite")
    bob_code = CODE.findall((await bob.wait_text(bot.nick, "join ", "bob")).param(1))
    assert len(bob_code) == 1
    await carol.say(bot.nick, f"join {bob_code[0]}")
    await carol.wait_text(bot.nick, "invité·e par bob", "carol")
    bot.console("#paris root: /members tree M2")  # @names are per platform; ids everywhere
    line = await bot.wait_console("bob (M2) a fait entrer")
    assert "niveau 1 : 1" in line


async def test_an_unidentified_nick_cannot_spend_a_code_or_act_as_a_member(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    bot = await start_bot(server, admins=["console:root"], channels=["#lyon"])
    guest = await humans(server, "guest", "#lyon")
    await bot_joined(guest, "#lyon", bot.nick)
    bot.console("@root: /invite")
    await bot.wait_console("Transmettez-les")
    [code] = CODE.findall(bot.out.text)

    await guest.say(bot.nick, f"join {code}")
    await guest.wait_text(bot.nick, "identifiez-vous", "guest")
    await guest.say(bot.nick, "join")
    pending = await guest.wait_text(bot.nick, "Demande enregistrée", "guest")
    assert "NickServ" in pending.param(1)
    await guest.say("#lyon", "!alert coucou #dept:069")
    await guest.wait_text(bot.nick, "identifié", "#lyon")
    bot.console("#paris root: /members pending")
    assert "(IRC, non identifié)" in await bot.wait_console("guest")
    bot.console("#paris root: /accept M2")
    await bot.wait_console("pseudo IRC non identifié")
    async with bot.app.db.transaction() as tx:  # type: ignore[union-attr]
        assert await tx.invitations.open_count(1, time.time()) == 1  # not spent


@dataclass
class _Inbox:
    received: list[IncomingMessage] = field(default_factory=list)

    async def handle(self, message: IncomingMessage) -> None:
        self.received.append(message)

    async def chat_moved(self, platform: str, old: str, new: str) -> None: ...

    async def platform_back(self, platform: str) -> None: ...


@contextlib.asynccontextmanager
async def _watching(server: IrcServer) -> AsyncIterator[tuple[IrcTransport, _Inbox]]:
    """The IRC transport alone, in #lyon, handing what it hears to a recording inbox."""
    settings = IrcSettings(
        enabled=True, host=server.host, port=server.port, tls=False, nick="ripwatch",
        channels=("#lyon",), **FAST_IRC,  # type: ignore[arg-type]
    )
    irc = IrcTransport(settings)
    inbox = _Inbox()
    await irc.start(inbox)
    try:
        yield irc, inbox
    finally:
        await irc.stop()


async def test_an_account_is_forgotten_when_its_nick_leaves_and_a_new_holder_is_a_guest(
    server: IrcServer, humans: Callable[..., Any]
) -> None:
    op = await humans(server, "op", "#lyon")  # first in: channel operator (on ngircd)
    async with _watching(server) as (irc, inbox):
        await bot_joined(op, "#lyon", "ripwatch")
        await _leave_and_retake(server, humans, op, irc, inbox)


async def _leave_and_retake(
    server: IrcServer, humans: Callable[..., Any], op: Any, irc: IrcTransport, inbox: _Inbox
) -> None:
    leaves = ("PART", "QUIT", "NICK") if server.kind == "miniircd" else (
        "PART", "KICK", "QUIT", "NICK"  # miniircd has no KICK
    )
    for leave in leaves:
        alice = await humans(server, "alice", "#lyon")
        await op.wait_for(lambda m: m.command == "JOIN" and m.nick == "alice")
        # As extended-join would have said on a network with services.
        irc.identities.learn("alice", "alice")
        mark = len(op.messages)
        if leave == "PART":
            await alice.send("PART #lyon :bye")
        elif leave == "KICK":
            await op.send("KICK #lyon alice :dehors")
        elif leave == "QUIT":
            await alice.close()
        else:
            await alice.send("NICK alice_")
        await op.wait_for(lambda m, c=leave: m.command == c, start=mark)
        await _until(lambda: irc.identities.account_of("alice") is None)
        await alice.close()

        mallory = await humans(server, "alice", "#lyon")  # someone else takes the nick
        before = len(inbox.received)
        await mallory.say("#lyon", "!link")
        await _until(lambda b=before: len(inbox.received) > b)
        got = inbox.received[-1]
        assert (got.user_id, got.identified) == ("~alice", False), leave
        await mallory.close()
        await op.wait_for(lambda m: m.command == "QUIT" and m.nick == "alice", start=mark)


async def _until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.02)


async def test_the_bot_wins_its_nick_back_when_it_is_free(
    server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    squatter = await humans(server, "sentry", "#lyon")
    await start_bot(
        server, admins=["console:root"], channels=["#lyon"], nick="sentry",
        nick_regain_interval=1.0,
    )
    await bot_joined(squatter, "#lyon", nick="sentry_")
    watcher = await humans(server, "watcher", "#lyon")
    mark = len(watcher.messages)
    await squatter.close()
    renamed = await watcher.wait_for(
        lambda m: m.command == "NICK" and m.nick == "sentry_", start=mark
    )
    assert renamed.param(0) == "sentry"
    await watcher.say("#lyon", "sentry: help")
    await watcher.wait_text("sentry", "Commandes", "#lyon")


@pytest.fixture
async def no_account_tag() -> AsyncIterator[ScriptedIrcServer]:
    """Services with extended-join and account-notify, but no account on each message."""
    server = ScriptedIrcServer(caps="extended-join account-notify multi-prefix")
    await server.start()
    yield server
    await server.stop()


async def test_without_account_tag_commands_are_checked_and_a_taken_nick_gets_nothing(
    no_account_tag: ScriptedIrcServer, start_bot: Callable[..., Any]
) -> None:
    services = no_account_tag
    bot = await start_bot(services, admins=["irc:alice"], channels=["#lyon"])
    await services.wait_connections(1)
    await services.wait_for(lambda m: m.command == "JOIN")

    services.online = {"alice": "alice"}
    await services.inject(":alice!~a@h JOIN #lyon alice :Alice")
    await services.inject(":alice!~a@h PRIVMSG #lyon :!link dept:069")
    await services.wait_for(lambda m: m.command == "PRIVMSG" and "Salon relié" in m.param(1))
    assert any(m.command == "WHO" and m.param(0) == "alice" for m in services.current.received)

    # alice leaves; mallory, logged in to nothing, takes the nick and tries again.
    await services.inject(":alice!~a@h PART #lyon :bye")
    services.online = {"alice": None}
    await services.inject(":alice!~m@elsewhere JOIN #lyon * :Mallory")
    await services.inject(":alice!~m@elsewhere PRIVMSG #lyon :!unlink")
    await services.wait_for(lambda m: m.command == "NOTICE" and "identifié" in m.param(1))
    # Even without the JOIN being seen (a rename in a shared channel), the check holds.
    await services.inject(":alice!~m@elsewhere NICK alice_")
    await services.inject(":alice_!~m@elsewhere PRIVMSG #lyon :!tags rm dept:069")
    await services.wait_for(
        lambda m: m.command == "NOTICE" and m.param(0) == "#lyon" and "!tags" not in m.param(1)
        and sum(x.command == "NOTICE" for x in services.current.received) >= 2
    )
    async with bot.app.db.transaction() as tx:  # type: ignore[union-attr]
        room = await tx.rooms.get("irc", "#lyon")
    assert room is not None and room.tags == ("dept:069",)
