"""The bot with its web server, in process, and an HTTP client for it.

The bot is `tests.harness.running_bot` (real store, dispatcher, engine; a
recording transport); the web server is the real one, listening on a free
port of 127.0.0.1, with its own read-only connection as in `riposte run`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import ArchiveSettings, NetworkSettings, Settings, WebSettings
from bot.store import Database
from bot.web import ReadView, Runtime, WebServer
from tests.fakes.engines import target_for
from tests.fakes.irc_servers import free_port
from tests.harness import OPEN_JOIN, Bot, running_bot

LINK = re.compile(r"https?://\S+")


@dataclass
class WebBot:
    bot: Bot
    server: WebServer
    base: str
    """The public address links are made with."""
    address: str
    """Where the server listens (the same as `base` unless `public_url` says otherwise)."""

    def client(self) -> aiohttp.ClientSession:
        """A browser of its own: cookies kept (for 127.0.0.1 too), redirects not followed."""
        return aiohttp.ClientSession(
            base_url=self.address, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )

    def last_link(self, address: str, path: str) -> str:
        """The last link under `path` (`/login/`, `/s/`) the bot sent to `address`."""
        for text in reversed(self.bot.transport.texts_to(address)):
            for url in LINK.findall(text):
                if path in url:
                    return url.rstrip(".,)")
        raise AssertionError(
            f"no {path} link sent to {address}: {self.bot.transport.texts_to(address)}"
        )

    async def login(self, user: str) -> aiohttp.ClientSession:
        """`user` asks for the dashboard in private and opens the link: a logged-in client."""
        await self.bot.say(user, user, "/dashboard", private=True)
        link = self.last_link(user, "/login/")
        client = self.client()
        path = link.removeprefix(self.base)
        async with client.post(path, allow_redirects=False) as response:
            assert response.status == 303, await response.text()
        return client


async def lyon_and_paris(web: WebBot) -> None:
    """alice (network admin) links #paris (dept:075) and #lyon (dept:069); bob joins in
    Lyon, paul in Paris; nadia joins in Lyon and coordinates dept:069 only."""
    bot = web.bot
    await bot.say("#paris", "alice", "/link dept:075")
    await bot.say("#lyon", "alice", "/link dept:069")
    await bot.say("#lyon", "nadia", "/join")
    await bot.say("#lyon", "bob", "/join")
    await bot.say("#paris", "paul", "/join")
    await bot.say("#paris", "alice", "/role @nadia coordinator dept:069")


@asynccontextmanager
async def web_bot(
    tmp_path: Path, web: WebSettings | None = None, **sections: Any
) -> AsyncIterator[WebBot]:
    web = replace(web or WebSettings(), enabled=True, listen=f"127.0.0.1:{free_port()}")
    sections.setdefault("members", OPEN_JOIN)
    sections.setdefault("archive", ArchiveSettings(dir=tmp_path / "archive"))
    settings = Settings(
        source=tmp_path / "riposte.toml",
        network=NetworkSettings(lang="fr", admins=("fake:alice",)),
        web=web,
        **sections,
    )
    async with (
        running_bot(tmp_path, web=web, **sections) as bot,
        Database.open(target_for(tmp_path), frozenset({"fake:alice"}), readonly=True) as reader,
    ):
        async with bot.db.transaction() as tx:
            await tx.running.started("tests")
        runtime = Runtime(
            bot.db,
            ReadView(reader),
            settings,
            bot.engine,
            bot.transports,
            None,
            bot.engine.wake,
        )
        server = WebServer(runtime)
        await server.start()
        try:
            yield WebBot(bot, server, web.base_url, f"http://{web.listen}")
        finally:
            await server.stop()
