"""Webhook mode: Telegram posts updates to us instead of being long-polled.

python-telegram-bot's own webhook server needs tornado; we already run
aiohttp, so a small aiohttp endpoint feeds the Application's update queue.
The endpoint checks Telegram's secret header (derived from the token, so
nothing more to configure): anyone else posting there is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_secret(token: str) -> str:
    """Deterministic, so a restart keeps the secret Telegram already has."""
    return hashlib.sha256(b"riposte-webhook:" + token.encode()).hexdigest()[:48]


class WebhookServer:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        url: str,
        listen: str,
        secret: str,
    ) -> None:
        self._application = application
        self._path = urlsplit(url).path or "/"
        host, _, port = listen.rpartition(":")
        self._host = host.strip("[]")
        self._port = int(port)
        self._secret = secret
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        return self._port

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post(self._path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        if self._port == 0:  # tests bind port 0 and ask which one they got
            server = site._server
            sockets = getattr(server, "sockets", None) or []
            self._port = sockets[0].getsockname()[1]
        log.info("telegram: webhook listening on %s:%d%s", self._host, self._port, self._path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("telegram: webhook post without the right secret from %s", request.remote)
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, self._application.bot)
        except (ValueError, TypeError, KeyError):
            log.warning("telegram: webhook post that is not an update; ignored")
            return web.Response(status=400)
        if update is not None:
            await self._application.update_queue.put(update)
        return web.Response()
