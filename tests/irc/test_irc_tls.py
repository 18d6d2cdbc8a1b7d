"""TLS against ngircd with a certificate made for the test: verified by default."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.irc_human import bot_joined
from tests.fakes.irc_servers import IrcServer, ngircd_path


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IrcServer]:
    if ngircd_path() is None or shutil.which("openssl") is None:
        pytest.skip(
            "TLS is tested against ngircd with an openssl test certificate, and ngircd "
            "or openssl is not installed here (.ci/run installs ngircd)"
        )
    directory = tmp_path_factory.mktemp("ngircd-tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=irc.riposte.test",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    server = IrcServer("ngircd", directory, tls=(cert, key))
    server.start()
    yield server
    server.stop()


async def test_self_signed_server_is_refused_by_default(
    tls_server: IrcServer,
    start_bot: Callable[..., Any],
    humans: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice = await humans(tls_server, "alice", "#lyon")
    bot = await start_bot(
        tls_server,
        admins=["console:root"],
        channels=["#lyon"],
        tls=True,
        port=tls_server.tls_port,
        reconnect_min=5.0,
        reconnect_max=10.0,
    )
    async with asyncio.timeout(20):
        while True:
            if "CERTIFICATE_VERIFY_FAILED" in caplog.text:
                break
            await asyncio.sleep(0.05)
    assert not any(m.command == "JOIN" and m.nick == bot.nick for m in alice.messages)


async def test_tls_with_the_servers_ca_connects_and_joins(
    tls_server: IrcServer, start_bot: Callable[..., Any], humans: Callable[..., Any]
) -> None:
    alice = await humans(tls_server, "alice", "#lyon")
    cert = tls_server.tls[0] if tls_server.tls else Path()
    bot = await start_bot(
        tls_server,
        admins=["console:root"],
        channels=["#lyon"],
        tls=True,
        port=tls_server.tls_port,
        tls_ca_file=str(cert),
    )
    await bot_joined(alice, "#lyon", bot.nick)
