"""The web server in the bot's process: short links, clip files, health, metrics, dashboard.

It starts before the transports and stops with them, inside the bot's
bounded stop: connections still open after `SHUTDOWN_SECONDS` are cut, and
the last visit counts are written. Every answer carries strict security
headers (no script, nothing from elsewhere, no framing, no referrer), every
error is a short page with its status, and nothing a visitor sends is kept
beyond aggregate counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.i18n import pick_lang
from bot.web.auth import VIEWER, Forbidden, FormHandler, Sessions
from bot.web.barometer_page import BarometerPage
from bot.web.clip_files import ClipFiles
from bot.web.deliveries_page import DeliveriesPage
from bot.web.health import Health, LinkWatch
from bot.web.layout import Viewer, message_page
from bot.web.links import Redirects, VisitCounter
from bot.web.metrics import Metrics
from bot.web.now_page import NowPage
from bot.web.runtime import Runtime
from bot.web.workflow_page import WorkflowPages

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 1.0
MAX_QUERY = 2048
"""Longer query strings are refused with 414 before any handler runs."""
MAX_PATH = 1024
"""Longer paths too (no route of ours comes near)."""
MAX_LINE = 32 * 1024
"""The longest request line or header aiohttp reads (its default is 8190): up to this, an
over-long address gets our 414 page, not the parser's bare 400."""
MAX_BODY = 64 * 1024
HOUSEKEEPING_SECONDS = 3600.0
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_PRIVATE_PREFIXES = ("/dash", "/login")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PageHandler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def _static_dir() -> Path:
    return Path(str(resources.files("bot.web").joinpath("static")))


class WebServer:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._lang = pick_lang(runtime.settings.network.lang)
        self.counter = VisitCounter(runtime.db, runtime.clock)
        self.watch = runtime.links or LinkWatch(
            runtime.transports, runtime.engine, runtime.clock
        )
        self.sessions = Sessions(runtime)
        self.metrics = Metrics(runtime, self.watch, self.counter)
        self._redirects = Redirects(runtime, self.counter)
        self._clips = ClipFiles(runtime)
        self._health = Health(runtime, self.watch)
        self._now = NowPage(runtime)
        self._deliveries = DeliveriesPage(runtime, self.watch)
        self._barometer = BarometerPage(runtime)
        self._workflow = WorkflowPages(runtime)
        self.app = self._build()
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self.port: int | None = None
        """The port listened on (useful when `listen` says port 0)."""

    # --- routes --------------------------------------------------------------------------

    def _build(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=MAX_BODY)
        routes = app.router
        routes.add_get("/s/{code}", self._redirects.follow)
        routes.add_get("/c/{token}", self._clips.serve)
        routes.add_get("/healthz", self._health.handle)
        routes.add_get("/metrics", self.metrics.handle)
        routes.add_get("/login/{token}", self.sessions.login_form)
        routes.add_post("/login/{token}", self.sessions.login)
        routes.add_get("/", self._home)
        routes.add_get("/dash", self._home)
        routes.add_get("/dash/", self._home)
        routes.add_get("/dash/now", self.page(self._now.now))
        routes.add_get("/dash/alerts/{alert}", self.page(self._now.alert))
        routes.add_get("/dash/deliveries", self.page(self._deliveries.show))
        routes.add_get("/dash/barometer", self.page(self._barometer.show))
        routes.add_get("/dash/queue", self.page(self._workflow.queue))
        routes.add_post("/dash/queue/{content}/{decision}", self.form(self._workflow.decide))
        routes.add_get("/dash/pushes", self.page(self._workflow.calendar))
        routes.add_post("/dash/pushes/{push}/unpush", self.form(self._workflow.unpush))
        routes.add_post("/dash/lang", self.form(self.sessions.switch_lang))
        routes.add_post("/dash/logout", self.form(self.sessions.logout))
        routes.add_static("/static/", _static_dir(), show_index=False, follow_symlinks=False)
        return app

    def page(self, handler: PageHandler) -> Handler:
        """A dashboard page: only with a live session of a coordinator."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            viewer = await self.sessions.viewer(request)
            request[VIEWER] = viewer
            return await handler(request, viewer)

        return wrapped

    def form(self, handler: FormHandler) -> Handler:
        """A dashboard action: a session, our CSRF token, our origin; else nothing changes."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            viewer = await self.sessions.viewer(request)
            request[VIEWER] = viewer
            try:
                posted = await request.post()
            except web.HTTPException:
                raise  # 413: the body is over the size allowed
            except (
                HttpProcessingError, ValueError, UnicodeDecodeError, AssertionError, LookupError
            ) as error:
                # A broken multipart body, bytes that are not UTF-8, an unknown charset:
                # aiohttp's form parser raises these on hostile input.
                log.info("web: unreadable form on %s: %s", request.path, error)
                raise Forbidden(400, "web.error.bad_request") from None
            fields = {k: v for k, v in posted.items() if isinstance(v, str)}
            self.sessions.check_form(request, viewer, fields)
            return await handler(request, viewer, fields)

        return wrapped

    async def _home(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=303, headers={"Location": "/dash/now"})

    # --- every request -------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            if len(request.query_string) > MAX_QUERY or len(request.raw_path) > MAX_PATH + (
                MAX_QUERY + 1
            ):
                response: web.StreamResponse = message_page(self._lang, 414,
                                                            "web.error.too_long")
            else:
                response = await handler(request)
        except Forbidden as refusal:
            viewer = request.get(VIEWER)
            response = message_page(
                viewer.lang if viewer else self._lang, refusal.status, refusal.key,
                viewer=viewer, link_home=viewer is not None, **refusal.params,
            )
        except web.HTTPException as error:
            if error.status < 400:
                raise
            key = {404: "web.error.not_found", 405: "web.error.method",
                   413: "web.error.too_long"}.get(error.status, "web.error.bad_request")
            response = message_page(self._lang, error.status, key)
            if error.status == 405 and "Allow" in error.headers:
                response.headers["Allow"] = error.headers["Allow"]
        except Exception:
            error_id = secrets.token_hex(3)
            log.exception("web: error %s on %s %s", error_id, request.method, request.path)
            response = message_page(self._lang, 500, "web.error.internal", error_id=error_id)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path.startswith(_PRIVATE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        return response

    # --- life ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on `[web] listen`; an address that cannot be bound raises OSError."""
        settings = self.runtime.settings.web
        host, _, port = settings.listen.rpartition(":")
        runner = web.AppRunner(
            self.app,
            access_log=None,
            shutdown_timeout=SHUTDOWN_SECONDS,
            max_line_size=MAX_LINE,
            max_field_size=MAX_LINE,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, host.strip("[]"), int(port), reuse_address=True)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        addresses = runner.addresses
        self.port = int(addresses[0][1]) if addresses else int(port)
        await self.metrics.start()
        self._tasks = [
            asyncio.create_task(self.counter.run(), name="web-visits"),
            asyncio.create_task(self.watch.run(), name="web-health"),
            asyncio.create_task(self._housekeeping(), name="web-housekeeping"),
        ]
        log.info("web: listening on %s:%s, public address %s", host, self.port,
                 settings.base_url)

    async def _housekeeping(self) -> None:
        """Login links and sessions a day past their end are forgotten."""
        while not self._stopping.is_set():
            try:
                async with self.runtime.db.transaction() as tx:
                    await tx.web_sessions.purge(self.runtime.clock() - 86_400)
            except Exception:
                log.exception("web: could not purge old sessions")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), HOUSEKEEPING_SECONDS)

    async def stop(self) -> None:
        """Stop listening, let requests in progress end (briefly), write the last counts."""
        self._stopping.set()
        self.counter.stop()
        self.watch.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=SHUTDOWN_SECONDS)
            for task in late:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks = []
        try:
            await self.counter.flush()
        except Exception:
            log.exception("web: the last link visit counts could not be written")
        log.info("web: stopped")
