"""Fixtures for the IRC tests: a real server per module (miniircd, and ngircd when
installed), the bot running in-process with its console transport on a pipe, and
humans on plain IRC connections."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import load_settings
from tests.fakes.config_files import write_config
from tests.fakes.irc_human import IrcHuman
from tests.fakes.irc_servers import IrcServer, ngircd_path

WAIT = 20.0

# Pacing scaled down for speed; the flood test sets its own.
FAST_IRC = {
    "pacing_burst": 10,
    "pacing_interval": 0.05,
    "reconnect_min": 0.2,
    "reconnect_max": 2.0,
    "join_timeout": 10.0,
}


@pytest.fixture(scope="module", params=["miniircd", "ngircd"])
def irc_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IrcServer]:
    if request.param == "ngircd" and ngircd_path() is None:
        pytest.skip(
            "ngircd is not installed (apt-get install ngircd); these tests run against "
            "miniircd, and .ci/run installs ngircd to run them against it too"
        )
    server = IrcServer(request.param, tmp_path_factory.mktemp(request.param))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(irc_server: IrcServer) -> IrcServer:
    """The module's server, started again if a test killed it."""
    if irc_server.process is None or irc_server.process.poll() is not None:
        irc_server.start()
    return irc_server


class _Output:
    """Stands in for stdout: the console transport's lines, for the test to read."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, data: str) -> int:
        self.text += data
        return len(data)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


class RunningBot:
    def __init__(
        self, app: App, task: asyncio.Task[None], stdin: Any, reader: Any, out: _Output
    ) -> None:
        self.app = app
        self.task = task
        self._stdin = stdin
        self._reader = reader
        self.out = out

    @property
    def nick(self) -> str:
        return self.app.settings.irc.nick

    def console(self, line: str) -> None:
        """Type a console line (`#room user: text`)."""
        self._stdin.write(line + "\n")
        self._stdin.flush()

    async def wait_console(self, contains: str, timeout: float = WAIT) -> str:
        async with asyncio.timeout(timeout):
            while True:
                for line in self.out.lines:
                    if contains in line:
                        return line
                await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self.app.request_stop()
        with contextlib.suppress(Exception):
            self._stdin.close()
        await asyncio.wait_for(self.task, WAIT)
        await asyncio.sleep(0.05)  # the console's reading thread sees EOF and ends
        self._reader.close()


@pytest.fixture
async def start_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., Any]]:
    bots: list[RunningBot] = []

    async def start(
        server: IrcServer,
        *,
        admins: list[str],
        members: dict[str, Any] | None = None,
        **irc: Any,
    ) -> RunningBot:
        values = {
            "enabled": True,
            "host": server.host,
            "port": server.port,
            "tls": False,
            # A nick of its own: ngircd may still hold the previous test's bot for a
            # while (it handles a client's QUIT after its flood penalty).
            "nick": "rip" + secrets.token_hex(3),
            **FAST_IRC,
            **irc,
        }
        config = write_config(
            tmp_path,
            network={"name": "Test", "lang": "fr", "admins": admins},
            irc=values,
            members=members or {},
        )
        settings = load_settings(config)
        read_fd, write_fd = os.pipe()
        stdin_reader = os.fdopen(read_fd, "r", encoding="utf-8")
        stdin_writer = os.fdopen(write_fd, "w", encoding="utf-8")
        out = _Output()
        monkeypatch.setattr(sys, "stdin", stdin_reader)
        monkeypatch.setattr(sys, "stdout", out)
        app = App(settings)
        task = asyncio.create_task(app.run())
        bot = RunningBot(app, task, stdin_writer, stdin_reader, out)
        bots.append(bot)
        return bot

    yield start
    for bot in bots:
        if not bot.task.done():
            await bot.stop()


@pytest.fixture
async def humans() -> AsyncIterator[Callable[..., Any]]:
    made: list[IrcHuman] = []

    async def connect(server: IrcServer, nick: str, *channels: str) -> IrcHuman:
        human = await IrcHuman.connect(server.host, server.port, nick)
        made.append(human)
        if channels:
            await human.join(*channels)
        return human

    yield connect
    for human in made:
        await human.close()
