"""SASL, services accounts and a silent server, against a scripted IRCv3 server.

miniircd and ngircd have no services, so a small scripted server plays a
network like Libera.Chat: SASL PLAIN, `account-tag`, `extended-join`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.config import IrcSettings
from bot.domain.messages import IncomingMessage, OutgoingMessage, Target, TargetKind
from bot.transports.base import TransientError
from bot.transports.irc import IrcTransport
from tests.fakes.irc_scripted import ScriptedIrcServer
from tests.fakes.irc_servers import free_port


@pytest.fixture
async def services() -> AsyncIterator[ScriptedIrcServer]:
    server = ScriptedIrcServer({"riposte": "s3cr3t-pw"})
    await server.start()
    yield server
    await server.stop()


def _said(command: str, target: str, contains: str) -> Callable[[Any], bool]:
    return lambda m: m.command == command and m.param(0) == target and contains in m.param(1)


async def test_bot_logs_in_with_sasl_and_admins_are_recognised_by_account_not_nick(
    services: ScriptedIrcServer,
    start_bot: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("TEST_IRC_SASL", "s3cr3t-pw")
    bot = await start_bot(
        services,
        admins=["irc:alice"],
        channels=["#lyon"],
        sasl_username="riposte",
        sasl_password="env:TEST_IRC_SASL",
    )
    await services.wait_for(lambda m: m.command == "JOIN")
    assert services.current.account == "riposte"

    # The real alice, logged in to her account, under another nick.
    await services.inject("@account=alice :alice_phone!~a@h PRIVMSG #lyon :!link")
    await services.wait_for(_said("PRIVMSG", "#lyon", "Salon relié"))
    # Someone who took the nick "alice" but is not logged in.
    await services.inject(":alice!~m@elsewhere PRIVMSG #lyon :!unlink")
    await services.wait_for(_said("NOTICE", "#lyon", "identifié"))
    async with bot.app.db.transaction() as tx:
        assert await tx.rooms.get("irc", "#lyon") is not None  # the refusal unlinked nothing
    assert "s3cr3t-pw" not in caplog.text


async def test_wrong_sasl_password_is_logged_and_the_bot_stays_connected_unidentified(
    services: ScriptedIrcServer,
    start_bot: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("TEST_IRC_SASL", "wrong")
    await start_bot(
        services,
        admins=["console:root"],
        channels=["#lyon"],
        sasl_username="riposte",
        sasl_password="env:TEST_IRC_SASL",
    )
    await services.wait_for(lambda m: m.command == "JOIN")
    assert services.current.account is None
    assert "SASL login failed" in caplog.text


async def test_a_server_that_stops_answering_is_noticed_and_the_bot_reconnects(
    start_bot: Callable[..., Any],
) -> None:
    silent = ScriptedIrcServer(answer_pings=False)
    await silent.start()
    try:
        await start_bot(
            silent, admins=["console:root"], channels=["#lyon"], ping_interval=0.3, ping_timeout=0.3
        )
        await silent.wait_connections(2)
        assert any(m.command == "PING" for m in silent.connections[0].received)
    finally:
        await silent.stop()


async def test_alert_to_many_channels_uses_one_line_per_targmax_channels(
    services: ScriptedIrcServer, start_bot: Callable[..., Any]
) -> None:
    bot = await start_bot(services, admins=["irc:alice", "console:root"])
    await services.wait_connections(1)
    rooms = [f"#salon{i}" for i in range(1, 6)]
    for room in rooms:
        await services.inject(f"@account=alice :alice!~a@h PRIVMSG {room} :!link")
        await services.wait_for(_said("PRIVMSG", room, "Salon relié"))
    bot.console("#paris root: /link")
    await bot.wait_console("-> #paris: Salon relié")
    bot.console("#paris root: /alert fuite au ministère")

    # The server advertises TARGMAX=PRIVMSG:4: five rooms take two lines, not five.
    first = await services.wait_for(lambda m: m.command == "PRIVMSG" and "fuite" in m.param(1))
    await services.wait_for(_said("PRIVMSG", "#salon5", "fuite"))
    assert first.param(0) == "#salon1,#salon2,#salon3,#salon4"
    relayed = [
        m for m in services.current.received if m.command == "PRIVMSG" and "fuite" in m.param(1)
    ]
    assert len(relayed) == 2


async def test_garbage_and_oversized_lines_from_the_server_do_not_kill_the_bot(
    services: ScriptedIrcServer, start_bot: Callable[..., Any]
) -> None:
    await start_bot(services, admins=["console:root"], channels=["#lyon"], trust_nicks=True)
    await services.wait_connections(1)
    for junk in ("", ":", ":onlyaprefix", "@tags-only", ":x PRIVMSG", "\x00\x01\x02"):
        await services.inject(junk)
    await services.inject(":bob!~b@h PRIVMSG #lyon :" + "x" * 20_000)  # over the read limit
    await services.wait_connections(2)  # dropped that link, came back
    await services.inject(":bob!~b@h PRIVMSG #lyon :!help")
    await services.wait_for(_said("PRIVMSG", "#lyon", "Commandes"))


async def test_send_while_the_server_is_unreachable_leaves_the_message_to_the_outbox() -> None:
    """No link within `send_wait`: TransientError, so the engine keeps the row and retries."""

    class _Inbox:
        async def handle(self, message: IncomingMessage) -> None: ...

        async def chat_moved(self, platform: str, old: str, new: str) -> None: ...

    settings = IrcSettings(
        enabled=True,
        host="127.0.0.1",
        port=free_port(),
        tls=False,
        send_wait=0.2,
        reconnect_min=5.0,
    )
    transport = IrcTransport(settings)
    await transport.start(_Inbox())
    try:
        with pytest.raises(TransientError):
            await transport.send(
                Target("irc", TargetKind.ROOM, "#lyon"), OutgoingMessage.plain("alerte")
            )
        with pytest.raises(TransientError):  # the outage already lasted: fails at once
            await transport.send(
                Target("irc", TargetKind.ROOM, "#lyon"), OutgoingMessage.plain("alerte")
            )
    finally:
        await transport.stop()


async def test_private_alert_goes_to_the_accounts_nick_never_to_whoever_took_its_name(
    services: ScriptedIrcServer, start_bot: Callable[..., Any]
) -> None:
    bot = await start_bot(
        services, admins=["console:root"], members={"open_join": True}, channels=["#lyon"]
    )
    await services.wait_connections(1)
    services.online = {"alice_phone": "alice"}
    for command, answer in (("join", "Bienvenue"), ("subscribe", "Abonnements")):
        await services.inject(f"@account=alice :alice_phone!~a@h PRIVMSG riposte :{command}")
        await services.wait_for(_said("PRIVMSG", "alice_phone", answer))
    # alice leaves; an impostor without an account takes the nick "alice".
    await services.inject(":alice_phone!~a@h QUIT :bye")
    services.online = {"alice": None}
    mark = len(services.current.received)
    bot.console("#paris root: /alert fuite réservée aux membres")
    await bot.wait_console("-> #paris: Alerte A1")
    await services.wait_for(lambda m: m.command == "WHO" and m.param(0) == "alice")
    # alice is back under her usual nick: the retry finds her.
    services.online = {"alice": None, "alice_phone": "alice"}
    await services.inject(":alice_phone!~a@h JOIN #lyon alice :Alice")
    await services.wait_for(_said("PRIVMSG", "alice_phone", "fuite réservée"))
    later = services.current.received[mark:]
    assert not any(m.command == "PRIVMSG" and m.param(0) == "alice" for m in later)
