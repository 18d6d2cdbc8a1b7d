"""Composition root: build everything from the settings, run, stop cleanly.

Libraries do not own the event loop: every transport starts and stops through
its own coroutines inside one TaskGroup, and every resource is entered in an
AsyncExitStack in dependency order, so a failed start cleans up what began.

Roles (`bot.cluster.roles`): `riposte run` does everything in one process. On
PostgreSQL a process may do part of it: the owner of the platform connections
and the commands (one at a time, others waiting as hot standbys), delivery
workers (Telegram and Discord through their HTTP APIs), archive workers.
Each listens for the others' NOTIFYs, so work committed anywhere wakes the
process that does it.

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
from bot.cluster import ALL_ROLES, OwnerLock
from bot.cluster.roles import OWNER_ROLES
from bot.commands import CommandDispatcher, Registry
from bot.config import NETWORK_PLATFORMS, Settings
from bot.delivery import DeliveryEngine
from bot.delivery.links import LinkWatch
from bot.digests import DigestSetup, DigestTimers
from bot.domain import roles_for_scope
from bot.domain.clips import Clip
from bot.domain.web_urls import clip_url
from bot.privacy import Retention
from bot.pushes import PushService, PushSetup
from bot.redaction import Redactor
from bot.scheduler import TimerService
from bot.store import Database, Tx
from bot.store.database import SchemaNotCurrent
from bot.store.instance import InstanceLock
from bot.store.postgres import PostgresDatabase
from bot.tasks import TaskSetup, TaskTimers, clip_archived
from bot.transports.base import SendOnly, Transport, TransportStartError
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
SCHEMA_WAIT_SECONDS = 2.0
EXIT_OWNER_LOST = 1
"""The owner lost its lock's connection: it stops so that a standby can take over."""


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
    def __init__(self, settings: Settings, roles: frozenset[str] = ALL_ROLES) -> None:
        self.settings = settings
        self.roles = roles
        self._stop = asyncio.Event()
        self.engine: DeliveryEngine | None = None
        """The engine of the process owning the connections (the console waits on it)."""
        self.engines: list[DeliveryEngine] = []
        self.exit_code = 0
        self.db: Database | None = None
        self.archive: ArchiveService | None = None
        self.timers: TimerService | None = None
        self.pushes: PushService | None = None
        self.links: LinkWatch | None = None
        """Since when each platform of this process has been down (health, status)."""
        self.transports: dict[str, Transport] = {}
        self.owner = uuid.uuid4().hex[:12]
        """This process, as the holder of outbox leases and of the heartbeat row."""
        self.state = "standby" if roles >= OWNER_ROLES else "active"

    @property
    def postgres(self) -> bool:
        return self.settings.storage.url is not None

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
        if self.pushes is not None:
            # Posts to social networks still going out: their push report comes after them.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.pushes.sender.idle(), self.settings.delivery.drain_timeout
                )
        if self.engine is not None:
            await self.engine.wait_idle(self.settings.delivery.drain_timeout)
        self.request_stop()

    async def run(self) -> None:
        storage = self.settings.storage
        if self.postgres:
            await self._run()
            return
        database = storage.path
        lock = InstanceLock(database) if str(database) != ":memory:" else None
        if lock is not None:
            await asyncio.to_thread(lock.acquire)
        try:
            await self._run()
        finally:
            if lock is not None:
                lock.release()

    async def _prepare_schema(self, db: Database) -> None:
        """The owner (and the one SQLite process) migrates; other processes wait for it:
        in a compose file they may well start first."""
        if not self.postgres or self.roles >= OWNER_ROLES:
            await db.migrate()
            return
        told = False
        while not self._stop.is_set():
            try:
                await db.check_current()
                return
            except SchemaNotCurrent as pending:
                if not told:
                    log.info("waiting for the schema: %s", pending)
                    told = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), SCHEMA_WAIT_SECONDS)

    def _on_notice(self, payload: str) -> None:
        """Another process committed work for this one (PostgreSQL's NOTIFY)."""
        if payload in ("outbox", "*"):
            for engine in self.engines:
                engine.wake()
        if payload in ("clips", "*") and self.archive is not None:
            self.archive.wake()
        if payload in ("timers", "*") and self.timers is not None:
            self.timers.wake()
        if payload in ("pushes", "*") and self.pushes is not None:
            self.pushes.wake()

    async def _run(self) -> None:
        from handlers import ROUTERS  # the composition root is the one place bot meets handlers

        settings = self.settings
        storage = settings.storage
        async with AsyncExitStack() as stack:
            db = await stack.enter_async_context(
                Database.open(
                    storage.database,
                    settings.admin_keys,
                    password=storage.password_value,
                    pool_size=storage.pool_size,
                    application=f"riposte {','.join(sorted(self.roles))} {self.owner}",
                )
            )
            await self._prepare_schema(db)
            if self._stop.is_set():
                return
            self.db = db
            registry = Registry(ROUTERS)
            redact = Redactor(settings.secrets())
            async with asyncio.TaskGroup() as group:
                beat = group.create_task(self._beat(db), name="processes")
                listening: asyncio.Task[None] | None = None
                if isinstance(db, PostgresDatabase):
                    listening = group.create_task(
                        db.listen(self._on_notice, self._stop), name="listen"
                    )
                helpers: list[tuple[Callable[[], None], asyncio.Task[None]]] = []
                try:
                    if self.postgres and "delivery" in self.roles:
                        helpers += await self._deliver(db, registry, redact, group)
                    if self.postgres and "archive" in self.roles:
                        helpers += self._archive(db, registry, redact, group, shared=True)
                    if self.postgres and "web" in self.roles and not self.roles >= OWNER_ROLES:
                        helpers += await self._web(db, stack)
                    if self.roles >= OWNER_ROLES:
                        await self._serve(db, registry, redact, stack)
                    else:
                        await self._stop.wait()
                finally:
                    self._stop.set()
                    for stop, _ in helpers:
                        stop()
                    if helpers:
                        _, late = await asyncio.wait(
                            [task for _, task in helpers], timeout=WORK_STOP_SECONDS
                        )
                        for task in late:
                            task.cancel()
                    beat.cancel()
                    if listening is not None:
                        listening.cancel()
            log.info("stopped")

    async def _deliver(
        self,
        db: Database,
        registry: Registry,
        redact: Redactor,
        group: asyncio.TaskGroup,
    ) -> list[tuple[Callable[[], None], asyncio.Task[None]]]:
        """The delivery role: Telegram and Discord through their HTTP APIs, sharing rates
        and rooms with the other delivery processes."""
        transports = {
            name: t for name, t in self._build_transports(db, registry).items()
            if isinstance(t, SendOnly)
        }  # fmt: skip
        started: list[Transport] = []
        for transport in transports.values():
            assert isinstance(transport, SendOnly)
            try:
                await transport.start_sending()
            except TransportStartError as error:
                log.error("%s", error)
                self.exit_code = EXIT_START_FAILED
                self.request_stop()
                await self._stop_transports(started)
                return []
            started.append(transport)
        if not started:
            log.warning("delivery: no platform to deliver to here (Telegram or Discord)")
            return []
        engine = DeliveryEngine(
            db,
            transports,
            owner=self.owner,
            redact=redact,
            max_rate_limited=self.settings.delivery.max_rate_limited,
            lease_seconds=self.settings.delivery.lease,
            shared=True,
        )
        self.engines.append(engine)
        task = group.create_task(engine.run(), name="delivery-worker")
        engine.wake()

        def stop() -> None:
            engine.stop(DELIVERY_GRACE_SECONDS)

        async def closing() -> None:
            with contextlib.suppress(Exception):
                await task
            await self._stop_transports(started)

        return [(stop, group.create_task(closing(), name="delivery-transports"))]

    def _archive(
        self,
        db: Database,
        registry: Registry,
        redact: Redactor,
        group: asyncio.TaskGroup,
        *,
        shared: bool,
    ) -> list[tuple[Callable[[], None], asyncio.Task[None]]]:
        """The archive role on its own (PostgreSQL): clips of the shared queue."""
        limits = {name: t.limits for name, t in self._build_transports(db, registry).items()}
        archive = self._archive_service(
            db, TaskSetup(self.settings, limits), redact, self._wake_engines, shared=shared
        )

        async def running() -> None:
            await archive.recover()
            await archive.run()

        return [(archive.stop, group.create_task(running(), name="archive-worker"))]

    def _archive_service(
        self,
        db: Database,
        tasks: TaskSetup,
        redact: Redactor,
        on_enqueue: Callable[[], None],
        *,
        shared: bool,
    ) -> ArchiveService:
        settings = self.settings

        async def on_archived(tx: Tx, clip: Clip) -> None:
            await clip_archived(tx, tasks, clip.id, clip.requested_by, time.time())

        self.archive = ArchiveService(
            db,
            settings.archive,
            settings.network.lang,
            on_enqueue=on_enqueue,
            on_archived=on_archived,
            admins=settings.network.admins,
            redact=redact,
            file_link=self._file_link(),
            owner=self.owner,
            lease_seconds=settings.delivery.lease,
            shared=shared,
        )
        return self.archive

    def _file_link(self) -> Callable[[Tx, Clip], Awaitable[str | None]] | None:
        """The web address of an archived clip's file, shown on its card (web on)."""
        base_url = self.settings.web.base_url
        if not self.settings.web.enabled:
            return None

        async def file_link(tx: Tx, clip: Clip) -> str | None:
            return clip_url(base_url, await tx.clip_files.token_for(clip.id))

        return file_link

    def _wake_engines(self) -> None:
        for engine in self.engines:
            engine.wake()

    async def _serve(
        self, db: Database, registry: Registry, redact: Redactor, stack: AsyncExitStack
    ) -> None:
        """The platform connections and the commands (on PostgreSQL, once this process
        holds the owner's lock)."""
        settings = self.settings
        owner_lock: OwnerLock | None = None
        if isinstance(db, PostgresDatabase):
            owner_lock = OwnerLock(db, self._owner_lost)
            if not await owner_lock.acquire(self._stop):
                return
            stack.push_async_callback(owner_lock.release)
            log.info("this process owns the platform connections")
        self.state = "active"
        transports = self._build_transports(db, registry)
        # On PostgreSQL the delivery role (here or in workers) sends Telegram and Discord;
        # what needs the connection itself (IRC, the console) is delivered here.
        delivered = (
            {n: t for n, t in transports.items() if not isinstance(t, SendOnly)}
            if self.postgres
            else transports
        )
        engine = DeliveryEngine(
            db,
            delivered,
            keep_days=settings.delivery.keep_days,
            owner=self.owner,
            redact=redact,
            max_rate_limited=settings.delivery.max_rate_limited,
            lease_seconds=settings.delivery.lease,
            shared=self.postgres,
        )
        self.engine = engine
        self.engines.append(engine)
        self.transports = transports
        links = LinkWatch(transports, engine)
        self.links = links
        if not self.postgres:
            # The instance lock proves the previous process gone: its claims are void.
            await engine.recover()
        limits = {name: t.limits for name, t in transports.items()}
        tasks = TaskSetup(self.settings, limits)
        pushes = PushService(db, PushSetup(self.settings, limits), on_commit=engine.wake)
        self.pushes = pushes

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

        archive: ArchiveService | None = None
        if not self.postgres:  # on PostgreSQL the archive is a role of its own
            archive = self._archive_service(db, tasks, redact, engine.wake, shared=False)
            await archive.recover()
        async with db.transaction() as tx:
            await tx.running.started(self.owner)

        def on_commit() -> None:
            self._wake_engines()
            if self.archive is not None:
                self.archive.wake()
            timers.wake()
            pushes.wake()

        dispatcher = CommandDispatcher(db, registry, settings, limits, on_commit=on_commit)
        web_server: WebServer | None = None
        if "web" in self.roles and settings.web.enabled:
            web_server = await self._start_web(stack, db, engine, transports, archive, on_commit)
            if web_server is None:
                async with db.transaction() as tx:
                    await tx.running.stopped(self.owner)
                return
        started: list[Transport] = []
        async with asyncio.TaskGroup() as group:
            delivery = group.create_task(engine.run(), name="delivery")
            archiving = group.create_task(archive.run(), name="archive") if archive else None
            timing = group.create_task(timers.run(), name="timers")
            retaining = group.create_task(retention.run(), name="retention")
            posting = group.create_task(pushes.run(), name="pushes")
            heartbeat = group.create_task(self._heartbeat(db, links), name="heartbeat")
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

    async def _start_web(
        self,
        stack: AsyncExitStack,
        db: Database,
        engine: DeliveryEngine | None,
        transports: dict[str, Transport],
        archive: ArchiveService | None,
        on_commit: Callable[[], None],
    ) -> WebServer | None:
        """The web server, listening; None when it could not listen (then the start fails
        with one line naming `web.listen`, exit status 2)."""
        settings = self.settings
        from bot.web import ReadView, Runtime, WebServer

        storage = settings.storage
        reader = (
            db
            if str(storage.database) == ":memory:"
            else await stack.enter_async_context(
                Database.open(
                    storage.database,
                    settings.admin_keys,
                    readonly=True,
                    password=storage.password_value,
                    pool_size=2,
                    application=f"riposte web reader {self.owner}",
                )
            )
        )
        links = self.links if engine is not None else None
        runtime = Runtime(
            db, ReadView(reader), settings, engine, transports, archive, on_commit, links=links
        )
        server = WebServer(runtime)
        try:
            await server.start()
        except OSError as error:
            log.error(
                "web.listen: cannot listen on %s: %s", settings.web.listen, error.strerror or error
            )
            self.exit_code = EXIT_START_FAILED
            return None
        return server

    async def _web(
        self, db: Database, stack: AsyncExitStack
    ) -> list[tuple[Callable[[], None], asyncio.Task[None]]]:
        """The web role on its own (PostgreSQL): short links, clip files, the dashboard;
        what its actions commit wakes the other processes by NOTIFY."""
        if not self.settings.web.enabled:
            log.warning("web: [web] enabled is false; nothing to serve here")
            return []
        server = await self._start_web(stack, db, None, {}, None, lambda: None)
        if server is None:
            self.request_stop()
            return []
        stopped = asyncio.Event()

        async def serving() -> None:
            await stopped.wait()
            await self._bounded(server.stop(), "web stop")

        return [(stopped.set, asyncio.create_task(serving(), name="web"))]

    def _owner_lost(self) -> None:
        self.exit_code = EXIT_OWNER_LOST
        self.request_stop()

    async def _beat(self, db: Database) -> None:
        """Every process's heartbeat row (`riposte status`, `riposte health`)."""
        roles = tuple(sorted(self.roles))
        try:
            while True:
                with contextlib.suppress(Exception):
                    async with db.transaction() as tx:
                        await tx.processes.beat(self.owner, roles, self.state)
                await asyncio.sleep(HEARTBEAT_SECONDS if self.state == "active" else 1.0)
        finally:
            with contextlib.suppress(Exception):
                async with db.transaction() as tx:
                    await tx.processes.gone(self.owner)

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
        archive: ArchiveService | None,
        delivery: asyncio.Task[None],
        archiving: asyncio.Task[None] | None,
        posting: asyncio.Task[None],
    ) -> None:
        """Deliveries, clips and social posts first, while the transports can still send."""
        if archive is not None:
            archive.stop()
        engine.stop(DELIVERY_GRACE_SECONDS)
        work = {delivery, posting} | ({archiving} if archiving is not None else set())
        _, late = await asyncio.wait(work, timeout=WORK_STOP_SECONDS)
        for task in late:
            log.warning("%s did not stop in time; cancelled", task.get_name())
            task.cancel()
        for task in work:
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

    async def _heartbeat(self, db: Database, links: LinkWatch) -> None:
        """`riposte health` and `status` read this: the event loop is alive and writing,
        and which platform is down since when."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            states = {name: (s.up, s.down_since) for name, s in links.states().items()}
            async with db.transaction() as tx:
                await tx.running.beat(self.owner)
                await tx.running.record_links(states)


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


async def run_app(settings: Settings, roles: frozenset[str] = ALL_ROLES) -> int:
    app = App(settings, roles)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, _on_signal, app, sig)
    await app.run()
    return app.exit_code
