"""What the fake social servers share: an aiohttp app on 127.0.0.1, recorded requests,
and failures to inject (a status code, a delay that outlasts the client's timeout)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    path: str
    status: int
    count: int
    delay: float
    body: dict[str, Any]


class FakeSocialServer:
    def __init__(self) -> None:
        self.app = web.Application(middlewares=[self._middleware], client_max_size=64 * 2**20)
        self.requests: list[Recorded] = []
        self._failures: list[_Failure] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._ids = itertools.count(1000)
        self._changed = asyncio.Event()
        self.started = 0
        """Requests received so far, before they are answered."""

    def next_id(self) -> str:
        return str(next(self._ids))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeSocialServer:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(
        self,
        path: str,
        status: int = 500,
        *,
        count: int = 1,
        delay: float = 0.0,
        body: dict[str, Any] | None = None,
    ) -> None:
        """The next `count` requests whose path ends with `path` answer `status`
        (after `delay` seconds; a delay alone, status 0, just slows them down)."""
        self._failures.append(_Failure(path, status, count, delay, body or {}))

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.rstrip("/").endswith(path)]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        async with asyncio.timeout(timeout):
            while not (found := predicate()):
                self._changed.clear()
                await self._changed.wait()
        return found

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.started += 1
        body = await request.read()
        self.requests.append(
            Recorded(request.method, request.path, dict(request.headers), body, dict(request.query))
        )
        self._changed.set()
        for failure in self._failures:
            if failure.count > 0 and request.path.rstrip("/").endswith(failure.path):
                failure.count -= 1
                if failure.delay:
                    await asyncio.sleep(failure.delay)
                if failure.status:
                    payload = failure.body or {"error": f"injected {failure.status}"}
                    return web.json_response(payload, status=failure.status)
                break
        response = await handler(request)
        self._changed.set()
        return response
