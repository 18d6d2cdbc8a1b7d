"""`riposte run` as a real process, with Telegram (on the fake Bot API) and the console."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.fakes.config_files import write_config
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, BOB, LYON, PARIS, TOKEN_ENV, telegram_section

EXIT_TIMEOUT = 30


class BotProcess:
    """A `riposte run` child: console lines in, console output collected as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode("utf-8").rstrip("\n"))
            self._changed.set()

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode("utf-8"))
        await self.process.stdin.drain()

    async def wait_line(self, prefix: str, timeout: float = 20.0) -> str:
        async with asyncio.timeout(timeout):
            while True:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line
                self._changed.clear()
                await self._changed.wait()

    async def finish(self) -> tuple[int, str]:
        """End of console input: the bot delivers what is due and exits."""
        assert self.process.stdin is not None and self.process.stderr is not None
        self.process.stdin.close()
        stderr = await asyncio.wait_for(self.process.stderr.read(), EXIT_TIMEOUT)
        code = await asyncio.wait_for(self.process.wait(), EXIT_TIMEOUT)
        await self._reader
        return code, stderr.decode("utf-8", "replace")


async def start_bot(config: Path, token: str) -> BotProcess:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, TOKEN_ENV: token, "PYTHONUNBUFFERED": "1"},
    )
    return BotProcess(process)


async def test_alert_from_telegram_reaches_telegram_group_console_room_and_dm(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    config = write_config(
        tmp_path,
        network={"name": "Test", "lang": "fr", "admins": ["console:alice", f"telegram:{ALICE}"]},
        telegram=telegram_section(api),
    )
    bot = await start_bot(config, api.token)
    await api.wait_for(lambda: api.calls_to("deleteWebhook"))
    await bot.type("#national alice: /link")
    await bot.wait_line("-> #national: Salon relié")

    for chat in (PARIS, LYON):
        api.group_message(chat, ALICE, "/link")
        await api.wait_for(lambda chat=chat: api.sent_to(chat))
    api.group_message(LYON, BOB, "/join")
    await api.wait_for(lambda: any("?start=join" in m.text for m in api.sent_to(LYON)))
    api.private_message(BOB, "/start join")
    api.private_message(BOB, "/subscribe")
    await api.wait_for(lambda: any("Abonnements" in m.text for m in api.sent_to(BOB)))

    api.group_message(PARIS, ALICE, "/alert Le député X sur France 2 https://example.org/live")
    console = await bot.wait_line("-> #national: 🚨 Alerte A1")
    await api.wait_for(lambda: any("Le député X" in m.text for m in api.sent_to(LYON)))
    await api.wait_for(lambda: any("Le député X" in m.text for m in api.sent_to(BOB)))
    assert "Alice (Paris)" in console and "[Je m'en occupe: /ack A1]" in console

    code, stderr = await bot.finish()
    assert code == 0, stderr
    assert not any("Le député X" in m.text for m in api.sent_to(PARIS))
    assert api.token not in stderr


async def test_bad_token_at_startup_is_a_clear_error_naming_the_key(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    config = write_config(
        tmp_path,
        network={"name": "Test", "lang": "fr", "admins": [f"telegram:{ALICE}"]},
        console={"enabled": False},
        telegram=telegram_section(api),
    )
    bot = await start_bot(config, "999:not-the-right-token")
    code, stderr = await bot.finish()
    assert code == 2
    assert "telegram.token" in stderr and "refused" in stderr
    assert "Traceback" not in stderr
    assert "not-the-right-token" not in stderr
    assert [call.status for call in api.calls_to("getMe")] == [401]
