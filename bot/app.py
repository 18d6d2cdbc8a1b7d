"""Composition root: build everything from the settings, run, stop cleanly.

Libraries do not own the event loop: every transport starts and stops through
its own coroutines inside one TaskGroup, and every resource is entered in an
AsyncExitStack in dependency order, so a failed start cleans up what began.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

from bot.archive.service import ArchiveService
from bot.commands import CommandDispatcher, Registry
from bot.config import Settings
from bot.delivery import DeliveryEngine
from bot.domain import roles_for_scope
from bot.store import Database
from bot.transports.base import Transport, TransportStartError
from bot.transports.console import ConsoleTransport, Speaker

log = logging.getLogger(__name__)

PER_LINE_SETTLE_SECONDS = 10.0
EXIT_START_FAILED = 2
"""A transport could not start (bad token, server unreachable); the log line says why."""


def _first_console_user(settings: Settings) -> str:
    for admin in settings.network.admins:
        platform, _, user = admin.partition(":")
        if platform == "console" and user:
            return user
    return "you"


def _scope_roles(
    db: Database, platform: str
) -> Callable[[tuple[str, ...]], Awaitable[tuple[str, ...]]]:
    """The opt-in roles (`rolemap`) a message for these scope tags mentions on `platform`."""

    async def lookup(tags: tuple[str, ...]) -> tuple[str, ...]:
        async with db.transaction() as tx:
            mapping = await tx.scope_roles.all(platform)
            aliases = await tx.tags.aliases()
        return roles_for_scope(tags, mapping, aliases)

    return lookup


class App:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = asyncio.Event()
        self.engine: DeliveryEngine | None = None
        self.exit_code = 0
        self.db: Database | None = None
        self.archive: ArchiveService | None = None

    def request_stop(self) -> None:
        self._stop.set()

    def _build_transports(self, db: Database, registry: Registry) -> dict[str, Transport]:
        settings = self.settings
        transports: dict[str, Transport] = {}
        if settings.console.enabled:
            transports["console"] = ConsoleTransport(
                first_speaker=Speaker(_first_console_user(settings), settings.console.prompt_room),
                after_line=self._settle_console,
                on_eof=self._console_finished,
            )
        if settings.telegram.enabled:
            from bot.transports.telegram import TelegramTransport, menu_from_registry

            transports["telegram"] = TelegramTransport(
                settings.telegram,
                menu=menu_from_registry(registry),
                default_lang=settings.network.lang,
            )
        if settings.discord.enabled:
            from bot.transports.discord import DiscordTransport

            transports["discord"] = DiscordTransport(
                settings.discord, registry, role_lookup=_scope_roles(db, "discord")
            )
        if settings.irc.enabled:
            from bot.transports.irc import IrcTransport

            transports["irc"] = IrcTransport(settings.irc, linked_rooms=self._linked_irc_rooms)
        return transports

    async def _linked_irc_rooms(self) -> list[str]:
        """Every IRC room linked to the network: the IRC transport joins them at connect."""
        if self.db is None:
            return []
        async with self.db.transaction() as tx:
            return [room.chat_id for room in await tx.rooms.all() if room.platform == "irc"]

    async def _settle_console(self) -> None:
        """Let each console line's answers print before the next line is read."""
        if self.engine is not None:
            await self.engine.wait_idle(PER_LINE_SETTLE_SECONDS, ("console",))

    async def _console_finished(self) -> None:
        """End of piped input: finish the clips asked for, deliver what is due, then exit."""
        if self.archive is not None:
            await self.archive.wait_idle()
        if self.engine is not None:
            await self.engine.wait_idle(self.settings.delivery.drain_timeout)
        self.request_stop()

    async def run(self) -> None:
        from handlers import ROUTERS  # the composition root is the one place bot meets handlers

        async with AsyncExitStack() as stack:
            db = await stack.enter_async_context(
                Database.open(self.settings.storage.database, self.settings.admin_keys)
            )
            await db.migrate()
            self.db = db
            registry = Registry(ROUTERS)
            transports = self._build_transports(db, registry)
            engine = DeliveryEngine(db, transports, keep_days=self.settings.delivery.keep_days)
            self.engine = engine
            await engine.recover()
            archive = ArchiveService(
                db,
                self.settings.archive,
                self.settings.network.lang,
                on_enqueue=engine.wake,
                admins=self.settings.network.admins,
            )
            self.archive = archive
            await archive.recover()

            def on_commit() -> None:
                engine.wake()
                archive.wake()

            dispatcher = CommandDispatcher(
                db,
                registry,
                self.settings,
                {name: t.limits for name, t in transports.items()},
                on_commit=on_commit,
            )
            async with asyncio.TaskGroup() as group:
                delivery = group.create_task(engine.run(), name="delivery")
                archiving = group.create_task(archive.run(), name="archive")
                try:
                    for transport in transports.values():
                        try:
                            await transport.start(dispatcher)
                        except TransportStartError as error:
                            # A refused token or an unreachable server: one clear line, no
                            # traceback, a non-zero exit; what already started is stopped.
                            log.error("%s", error)
                            self.exit_code = EXIT_START_FAILED
                            self.request_stop()
                            await transport.stop()
                            break
                        stack.push_async_callback(transport.stop)
                        dispatcher.set_bot_name(transport.platform, transport.bot_username)
                        log.info("transport %s started", transport.platform)
                    engine.wake()
                    await self._stop.wait()
                finally:
                    log.info("stopping")
                    archive.stop()
                    with contextlib.suppress(asyncio.CancelledError):
                        await archiving
                    engine.stop()
                    with contextlib.suppress(asyncio.CancelledError):
                        await delivery


async def run_app(settings: Settings) -> int:
    app = App(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, app.request_stop)
    await app.run()
    return app.exit_code
