"""A message of several IRC lines whose link drops between two lines: after the
reconnection the bot goes on from the line it lost, none sent twice."""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.fakes.irc_scripted import ScriptedIrcServer


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedIrcServer]:
    server = ScriptedIrcServer()
    await server.start()
    yield server
    await server.stop()


def _alert_lines(server: ScriptedIrcServer) -> list[str]:
    return [
        m.param(1)
        for conn in server.connections
        for m in conn.received
        if m.command == "PRIVMSG" and m.param(0) == "#lyon" and "mot" in m.param(1)
    ]


async def test_a_link_lost_between_two_lines_resumes_at_the_line_lost(
    scripted: ScriptedIrcServer, start_bot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.delivery.sending.backoff_delay", lambda attempts: 0.2)
    # One line at once, then one a second: the link drops while line 2 waits its turn.
    bot = await start_bot(
        scripted, admins=["console:root", "irc:root"], channels=["#lyon"], trust_nicks=True,
        pacing_burst=1, pacing_interval=1.0,
    )  # fmt: skip
    await scripted.wait_connections(1)
    await scripted.inject(":root!~r@h PRIVMSG #lyon :!link")
    await scripted.wait_for(lambda m: m.command == "PRIVMSG" and "Salon relié" in m.param(1))
    bot.console("#paris root: /link")
    await bot.wait_console("-> #paris: Salon relié")
    text = " ".join(f"§{n:02d} " + "mot " * 60 for n in range(6))  # 1,500 bytes: 4 lines
    bot.console(f"#paris root: /alert {text}")
    await scripted.wait_for(lambda m: m.command == "PRIVMSG" and "§00" in m.param(1))
    scripted.current.writer.close()  # the server drops the bot before line 2
    await scripted.wait_connections(2)
    await scripted.wait_for(lambda m: m.command == "PRIVMSG" and "§05" in m.param(1))
    await bot.wait_console("-> #paris: Alerte A1 relayée")

    lines = _alert_lines(scripted)
    assert len(lines) >= 3 and len(set(lines)) == len(lines)  # no line twice
    markers = collections.Counter(w for line in lines for w in line.split() if "§" in w)
    assert markers == {f"§{n:02d}": 1 for n in range(6)}
    before = [m.param(1) for m in scripted.connections[0].received if m.command == "PRIVMSG"]
    assert lines[0] in before and not set(lines[1:]) & set(before)
