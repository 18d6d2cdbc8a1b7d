"""Dana's evening, end to end: the real bot with the console, python-telegram-bot against the
fake Bot API and the IRC transport against a real IRC server (miniircd).

Dana uses Telegram on her phone and IRC at work. She links both with `linkme`, her roles
and subscriptions are merged, each alert reaches her once where she chose, and her data
comes as a file on Telegram when she asks for it on IRC, which carries no files.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.app import App
from bot.config import load_settings
from tests.fakes.config_files import write_config
from tests.fakes.irc_human import IrcHuman
from tests.fakes.irc_servers import IrcServer
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import TOKEN_ENV, telegram_section
from tests.irc.conftest import FAST_IRC, _Output

DANA = 4004
CODE = re.compile(r"\b([2-9A-HJKMNP-Z]{10})\b")
WAIT = 20.0


@pytest.fixture(scope="module")
def miniircd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IrcServer]:
    server = IrcServer("miniircd", tmp_path_factory.mktemp("miniircd"))
    server.start()
    yield server
    server.stop()


@contextlib.asynccontextmanager
async def _bot(
    tmp_path: Path, api: FakeTelegramAPI, server: IrcServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[App, _Output, object]]:
    config = write_config(
        tmp_path,
        network={"name": "Test", "lang": "fr", "admins": ["console:root"]},
        members={"open_join": True},
        telegram=telegram_section(api),
        irc={
            "enabled": True,
            "host": server.host,
            "port": server.port,
            "tls": False,
            "nick": "ripdana",
            "trust_nicks": True,
            **FAST_IRC,
        },
        privacy={"export_dir": str(tmp_path / "exports")},
    )
    settings = load_settings(config, environ={**os.environ, TOKEN_ENV: api.token})
    read_fd, write_fd = os.pipe()
    stdin = os.fdopen(read_fd, "r", encoding="utf-8")
    typing = os.fdopen(write_fd, "w", encoding="utf-8")
    out = _Output()
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", out)
    app = App(settings)
    task = asyncio.create_task(app.run())
    try:
        await api.wait_for(lambda: api.calls_to("deleteWebhook") or task.done(), timeout=WAIT)
        yield app, out, typing
    finally:
        app.request_stop()
        with contextlib.suppress(Exception):
            typing.close()
        await asyncio.wait_for(task, WAIT)
        await asyncio.sleep(0.05)
        stdin.close()


async def _telegram(api: FakeTelegramAPI, text: str, expect: str) -> str:
    before = len(api.sent_to(DANA))
    api.private_message(DANA, text)

    def found() -> str | None:
        return next((m.text for m in api.sent_to(DANA)[before:] if expect in m.text), None)

    result: str = await api.wait_for(found, WAIT)
    return result


async def test_dana_links_telegram_and_irc_and_gets_each_alert_once_where_she_chose(
    tmp_path: Path, miniircd: IrcServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeTelegramAPI() as api:
        api.add_user(DANA, "Dana", username="dana")
        async with _bot(tmp_path, api, miniircd, monkeypatch) as (_app, out, console):
            assert hasattr(console, "write")

            def type_line(line: str) -> None:
                console.write(line + "\n")  # type: ignore[attr-defined]
                console.flush()  # type: ignore[attr-defined]

            type_line("#paris root: /link")
            await _wait_console(out, "Salon relié")  # root is M1, Dana's Telegram self M2
            await _telegram(api, "/start", "Bonjour")
            await _telegram(api, "/join", "Bienvenue")
            await _telegram(api, "/subscribe dept:075", "Abonnements")
            dana = await IrcHuman.connect(miniircd.host, miniircd.port, "dana")
            try:
                await dana.say("ripdana", "join")
                await dana.wait_text("ripdana", "Bienvenue")
                await dana.say("ripdana", "subscribe retraites")
                await dana.wait_text("ripdana", "Abonnements")
                type_line("@root: /role M3 coordinator dept:069")  # Dana's IRC self: M3
                code_text = await _telegram(api, "/linkme", "Votre code")
                code = CODE.findall(code_text)[0]
                mark = len(dana.messages)
                await dana.say("ripdana", f"linkme {code}")
                await dana.wait_text("ripdana", "un admin du réseau doit confirmer", start=mark)
                await _wait_console(out, "Demande de liaison")
                approve = re.search(r"/linkme confirm ([2-9A-Z]{10})", out.text)
                assert approve is not None and approve.group(1) != code
                type_line(f"@root: /linkme confirm {approve.group(1)}")
                await _wait_console(out, "Liaison confirmée")
                me = await _telegram(api, "/me", "Abonnements")
                assert "telegram : Dana" in me and "irc : dana" in me
                assert "#dept:075" in me and "#retraites" in me
                assert "coordinateur (dept:069)" in me

                # An alert for both her subscriptions: one copy, on Telegram (joined first).
                mark = len(dana.messages)
                type_line("#paris root: /alert Retraites à la télé #retraites #dept:075")
                await api.wait_for(
                    lambda: any("🚨 Alerte A1" in m.text for m in api.sent_to(DANA)), WAIT
                )
                await asyncio.sleep(0.5)
                copies = [m for m in api.sent_to(DANA) if "🚨 Alerte A1" in m.text]
                assert len(copies) == 1
                assert not any("Alerte A1" in t for t in dana.texts_from("ripdana", start=mark))

                # At work she wants IRC: the next alert comes there only.
                await dana.say("ripdana", "notify irc")
                await dana.wait_text("ripdana", "arriveront : irc")
                type_line("#paris root: /alert Deuxième #retraites")
                await dana.wait_text("ripdana", "Alerte A2")
                await asyncio.sleep(0.5)
                assert not any("Alerte A2" in m.text for m in api.sent_to(DANA))

                # Her data: IRC carries no files, Telegram gets the document.
                await dana.say("ripdana", "export")
                await dana.wait_text("ripdana", "export telegram")
                await dana.say("ripdana", "export telegram")
                await dana.wait_text("ripdana", "en privé sur Telegram")
                await api.wait_for(lambda: api.documents, WAIT)
                [(name, content)] = api.documents.values()
                assert name.startswith("riposte-export-M2-")
                data = json.loads(content)
                assert [(i["platform"], i["user_id"]) for i in data["identities"]] == [
                    ("telegram", str(DANA)),
                    ("irc", "dana"),
                ]
                assert set(data["subscriptions"]) == {"dept:075", "retraites"}
                assert data["notifications"]["notify"] == "irc"
            finally:
                await dana.close()


async def _wait_console(out: _Output, contains: str) -> None:
    async with asyncio.timeout(WAIT):
        while True:
            if contains in out.text:
                return
            await asyncio.sleep(0.02)


def test_on_the_console_the_export_is_a_file_whose_path_is_printed(tmp_path: Path) -> None:
    from tests.fakes.console_session import run_console

    config = write_config(
        tmp_path, members={"open_join": True}, privacy={"export_dir": str(tmp_path / "exp")}
    )
    session = run_console(config, ["@dana: /join", "@dana: /export", "@dana: /forgetme"])
    assert session.returncode == 0, session.stderr
    lines = session.lines
    marker = next(i for i, line in enumerate(lines) if line.startswith("-> @dana: Vos données"))
    path = Path(lines[marker + 1].strip().removeprefix("[file: ").removesuffix("]"))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["identities"][0]["user_id"] == "dana"
    assert any("forgetme" in line and "[Oui, effacer: /forgetme " in line for line in lines)
