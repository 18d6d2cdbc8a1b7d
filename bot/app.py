"""Composition root: build everything from the settings, run, stop cleanly.

Libraries do not own the event loop: every transport starts and stops through
its own coroutines inside one TaskGroup, and every resource is entered in an
AsyncExitStack in dependency order, so a failed start cleans up what began.

A stop (SIGTERM, SIGINT) is bounded, whatever the platforms do: deliveries
and clips get a few seconds, then the transports a few more, each cut short
if it hangs, and a watchdog ends the process if all that has not. What was
claimed and not sent is given back to the outbox first. A second signal exits
at once. The database is crash-safe either way; the bounds are what a service
manager (systemd, Docker: 10 s before SIGKILL) expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from bot.archive.service import ArchiveService
from bot.commands import CommandDispatcher, Registry
from bot.config import NETWORK_PLATFORMS, Settings
from bot.delivery import DeliveryEngine
from bot.digests import DigestSetup, DigestTimers
from bot.domain import roles_for_scope
from bot.domain.clips import Clip
from bot.domain.web_urls import clip_url
from bot.privacy import Retention
from bot.pushes import PushService, PushSetup
from bot.redaction import Redactor
from bot.scheduler import TimerService
from bot.store import Database, Tx
from bot.store.instance import InstanceLock
from bot.tasks import TaskSetup, TaskTimers, clip_archived
from bot.transports.base import Transport, TransportStartError
from bot.transports.console import ConsoleTransport, Speaker

if TYPE_CHECKING:
    from bot.web import WebServer

log = logging.getLogger(__name__)

PER_LINE_SETTLE_SECONDS = 10.0
SETTLE_TIMERS_SECONDS = 2.0
EXIT_START_FAILED = 2
"""A transport could not start (bad token, server unreachable); the log line says why."""
DELIVERY_GRACE_SECONDS = 3.0
"""At stop: sends in flight may finish for this long; then they are given back."""
WORK_STOP_SECONDS = 4.5
"""At stop: the delivery engine and the clip archive, together."""
TRANSPORT_STOP_SECONDS = 2.5
"""At stop: each transport (all at once), after deliveries and clips."""
HARD_STOP_SECONDS = 9.5
"""After the first signal, the process exits whatever is still running."""
HEARTBEAT_SECONDS = 15.0


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
        self.timers: TimerService | None = None
        self.owner = uuid.uuid4().hex[:12]
        """This process, as the holder of outbox leases and of the heartbeat row."""

    def request_stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def serves_network(self) -> bool:
        """A network transport is on: the bot is a service, not a console script."""
        return any(getattr(self.settings, name).enabled for name in NETWORK_PLATFORMS)

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
        """End of console input. With only the console, it is a script: finish the clips
        asked for, deliver what is due, then exit. With a network transport the bot is a
        service (under systemd or Docker stdin is empty): only the console closes."""
        if self.serves_network:
            log.info("console closed; the bot keeps running until SIGTERM or SIGINT")
            return
        if self.archive is not None:
            await self.archive.wait_idle()
        if self.timers is not None:
            # What falls due in the next seconds (a card edit) happens before the exit.
            await self.timers.settle(SETTLE_TIMERS_SECONDS)
        if self.engine is not None:
            await self.engine.wait_idle(self.settings.delivery.drain_timeout)
        self.request_stop()

    async def run(self) -> None:
        database = self.settings.storage.database
        lock = InstanceLock(database) if str(database) != ":memory:" else None
        if lock is not None:
            await asyncio.to_thread(lock.acquire)
        try:
            await self._run()
        finally:
            if lock is not None:
                lock.release()

    async def _run(self) -> None:
        from handlers import ROUTERS  # the composition root is the one place bot meets handlers

        settings = self.settings
        async with AsyncExitStack() as stack:
            db = await stack.enter_async_context(
                Database.open(settings.storage.database, settings.admin_keys)
            )
            await db.migrate()
            self.db = db
            registry = Registry(ROUTERS)
            transports = self._build_transports(db, registry)
            redact = Redactor(settings.secrets())
            engine = DeliveryEngine(
                db,
                transports,
                keep_days=settings.delivery.keep_days,
                owner=self.owner,
                redact=redact,
                max_rate_limited=settings.delivery.max_rate_limited,
            )
            self.engine = engine
            await engine.recover()
            limits = {name: t.limits for name, t in transports.items()}
            tasks = TaskSetup(self.settings, limits)
            pushes = PushService(db, PushSetup(self.settings, limits), on_commit=engine.wake)

            def after_timer() -> None:
                engine.wake()
                pushes.wake()

            timers = TimerService(db, on_commit=after_timer)
            TaskTimers(tasks).register(timers)
            pushes.register(timers)
            DigestTimers(DigestSetup.of(settings, limits)).register(timers)
            self.timers = timers
            await pushes.recover()
            retention = Retention(db, settings.privacy)

            async def on_archived(tx: Tx, clip: Clip) -> None:
                await clip_archived(tx, tasks, clip.id, clip.requested_by, time.time())

            async def file_link(tx: Tx, clip: Clip) -> str:
                return clip_url(settings.web.base_url, await tx.clip_files.token_for(clip.id))

            archive = ArchiveService(
                db,
                settings.archive,
                settings.network.lang,
                on_enqueue=engine.wake,
                on_archived=on_archived,
                admins=settings.network.admins,
                file_link=file_link if settings.web.enabled else None,
                redact=redact,
            )
            self.archive = archive
            await archive.recover()
            async with db.transaction() as tx:
                await tx.running.started(self.owner)

            def on_commit() -> None:
                engine.wake()
                archive.wake()
                timers.wake()
                pushes.wake()

            dispatcher = CommandDispatcher(db, registry, settings, limits, on_commit=on_commit)
            web_server = await self._start_web(stack, db, engine, transports, archive, on_commit)
            if web_server is None and settings.web.enabled:
                async with db.transaction() as tx:
                    await tx.running.stopped(self.owner)
                return
            started: list[Transport] = []
            async with asyncio.TaskGroup() as group:
                delivery = group.create_task(engine.run(), name="delivery")
                archiving = group.create_task(archive.run(), name="archive")
                timing = group.create_task(timers.run(), name="timers")
                retaining = group.create_task(retention.run(), name="retention")
                posting = group.create_task(pushes.run(), name="pushes")
                heartbeat = group.create_task(self._heartbeat(db), name="heartbeat")
                try:
                    for transport in transports.values():
                        if not await self._start(transport, dispatcher):
                            break
                        started.append(transport)
                        dispatcher.set_bot_name(transport.platform, transport.bot_username)
                        log.info("transport %s started", transport.platform)
                    engine.wake()
                    # Everything alive now (modules, settings, clients) lives as long as the
                    # process: keep full garbage collections, which pause every command and
                    # delivery, from walking it again and again.
                    gc.freeze()
                    await self._stop.wait()
                finally:
                    log.info("stopping")
                    gc.unfreeze()
                    heartbeat.cancel()
                    retention.stop()
                    timers.stop()
                    with contextlib.suppress(asyncio.CancelledError):
                        await timing
                    await self._bounded(_finish(retaining), "retention stop")
                    pushes.stop()
                    # The web server stops beside the work: it writes its last counts and
                    # lets requests in progress end within its own short bound.
                    await asyncio.gather(
                        self._stop_work(engine, archive, delivery, archiving, posting),
                        self._bounded(web_server.stop(), "web stop")
                        if web_server is not None
                        else asyncio.sleep(0),
                    )
                    await self._stop_transports(started)
            async with db.transaction() as tx:
                await tx.running.stopped(self.owner)
            log.info("stopped")

    async def _start_web(
        self,
        stack: AsyncExitStack,
        db: Database,
        engine: DeliveryEngine,
        transports: dict[str, Transport],
        archive: ArchiveService,
        on_commit: Callable[[], None],
    ) -> WebServer | None:
        """The web server, listening; None when it is off, or could not listen (then the
        start fails with one line naming `web.listen`, exit status 2)."""
        settings = self.settings
        if not settings.web.enabled:
            return None
        from bot.web import ReadView, Runtime, WebServer

        path = settings.storage.database
        reader = (
            db
            if str(path) == ":memory:"
            else await stack.enter_async_context(
                Database.open(path, settings.admin_keys, readonly=True)
            )
        )
        server = WebServer(
            Runtime(db, ReadView(reader), settings, engine, transports, archive, on_commit)
        )
        try:
            await server.start()
        except OSError as error:
            log.error("web.listen: cannot listen on %s: %s", settings.web.listen,
                      error.strerror or error)
            self.exit_code = EXIT_START_FAILED
            return None
        return server

    async def _start(self, transport: Transport, dispatcher: CommandDispatcher) -> bool:
        """Start one transport; False when it failed or a stop came first (it is stopped)."""
        if self._stop.is_set():
            return False
        starting = asyncio.create_task(transport.start(dispatcher))
        stopping = asyncio.create_task(self._stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not starting.done():
            # A signal while a platform is still answering (Discord waits for its gateway).
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await starting
            await self._bounded(transport.stop(), f"{transport.platform} stop")
            return False
        error = starting.exception()
        if isinstance(error, TransportStartError):
            # A refused token or an unreachable server: one clear line, no traceback, a
            # non-zero exit; what already started is stopped.
            log.error("%s", error)
            self.exit_code = EXIT_START_FAILED
            self.request_stop()
            await self._bounded(transport.stop(), f"{transport.platform} stop")
            return False
        if error is not None:
            raise error
        return True

    async def _stop_work(
        self,
        engine: DeliveryEngine,
        archive: ArchiveService,
        delivery: asyncio.Task[None],
        archiving: asyncio.Task[None],
        posting: asyncio.Task[None],
    ) -> None:
        """Deliveries, clips and social posts first, while the transports can still send."""
        archive.stop()
        engine.stop(DELIVERY_GRACE_SECONDS)
        work = {delivery, archiving, posting}
        _, late = await asyncio.wait(work, timeout=WORK_STOP_SECONDS)
        for task in late:
            log.warning("%s did not stop in time; cancelled", task.get_name())
            task.cancel()
        for task in (delivery, archiving, posting):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _stop_transports(self, started: list[Transport]) -> None:
        await asyncio.gather(
            *(self._bounded(t.stop(), f"{t.platform} stop") for t in reversed(started))
        )

    @staticmethod
    async def _bounded(work: Coroutine[Any, Any, None], what: str) -> None:
        try:
            await asyncio.wait_for(work, TRANSPORT_STOP_SECONDS)
        except TimeoutError:
            log.warning("%s took more than %.1fs; left behind", what, TRANSPORT_STOP_SECONDS)
        except Exception:
            log.exception("%s failed", what)

    async def _heartbeat(self, db: Database) -> None:
        """`riposte health` and `status` read this: the event loop is alive and writing."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            async with db.transaction() as tx:
                await tx.running.beat(self.owner)


async def _finish(task: asyncio.Task[None]) -> None:
    """Wait for a task that was told to stop; cancel it if the bound runs out."""
    try:
        await task
    except asyncio.CancelledError:
        pass
    finally:
        if not task.done():
            task.cancel()


def _hard_exit() -> None:
    log.warning("the stop took more than %.1fs: exiting now", HARD_STOP_SECONDS)
    logging.shutdown()
    os._exit(0)


def _on_signal(app: App, sig: signal.Signals) -> None:
    if app.stopping:
        log.warning("second %s: exiting now", sig.name)
        logging.shutdown()
        os._exit(128 + sig.value)
    log.info("%s: stopping (a second one exits at once)", sig.name)
    app.request_stop()
    watchdog = threading.Timer(HARD_STOP_SECONDS, _hard_exit)
    watchdog.daemon = True
    watchdog.start()


async def run_app(settings: Settings) -> int:
    app = App(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, _on_signal, app, sig)
    await app.run()
    return app.exit_code
