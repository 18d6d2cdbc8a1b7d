"""`/s/<code>`: the redirect, and visits counted in memory then written once a second.

Counting a visit costs a dictionary increment; the counts go to the store in
one transaction per second (and at stop), so a burst of clicks on a pushed
link never queues behind the writer lock. A crash loses at most the last
second of counts: they are statistics, not promises. Links are immutable, so
they are cached by code after the first look-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable

from aiohttp import web

from bot.domain.short_links import ShortLink, day_of, is_code, is_visit
from bot.i18n import pick_lang
from bot.store import Database
from bot.web.layout import message_page
from bot.web.runtime import Runtime

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
CACHE_SIZE = 20_000


class VisitCounter:
    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self._db = db
        self._clock = clock
        self._counts: dict[tuple[int, int], int] = {}
        self._stopping = asyncio.Event()
        self.written = 0

    @property
    def pending(self) -> int:
        """Visits counted and not written yet."""
        return sum(self._counts.values())

    def count(self, link_id: int) -> None:
        key = (link_id, day_of(self._clock()))
        self._counts[key] = self._counts.get(key, 0) + 1

    async def flush(self) -> None:
        if not self._counts:
            return
        counts, self._counts = self._counts, {}
        try:
            async with self._db.transaction() as tx:
                await tx.links.add_visits(counts)
        except Exception:
            # Kept for the next flush rather than lost.
            for key, n in counts.items():
                self._counts[key] = self._counts.get(key, 0) + n
            raise
        self.written += sum(counts.values())

    async def run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), FLUSH_SECONDS)
            try:
                await self.flush()
            except Exception:
                log.exception("web: could not write %d link visit counts", len(self._counts))

    def stop(self) -> None:
        self._stopping.set()


class LinkCache:
    """Links by code; a miss looks in the store. Unknown codes are not cached (a guesser
    must not fill the memory)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._links: OrderedDict[str, ShortLink] = OrderedDict()

    async def get(self, code: str) -> ShortLink | None:
        found = self._links.get(code)
        if found is not None:
            self._links.move_to_end(code)
            return found
        async with self._runtime.reader.read() as tx:
            found = await tx.links.by_code(code)
        if found is not None:
            self._links[code] = found
            if len(self._links) > CACHE_SIZE:
                self._links.popitem(last=False)
        return found


class Redirects:
    def __init__(self, runtime: Runtime, counter: VisitCounter) -> None:
        self._runtime = runtime
        self._counter = counter
        self._cache = LinkCache(runtime)
        self._lang = pick_lang(runtime.settings.network.lang)

    async def follow(self, request: web.Request) -> web.StreamResponse:
        code = request.match_info["code"].lower()
        link = await self._cache.get(code) if is_code(code) else None
        if link is None:
            return message_page(self._lang, 404, "web.link.not_found")
        if link.expired(self._runtime.clock()):
            return message_page(self._lang, 404, "web.link.expired")
        if is_visit(request.method, request.headers):
            self._counter.count(link.id)
        return web.Response(
            status=302,
            headers={
                "Location": link.url,
                "Cache-Control": "private, no-store",
                "Referrer-Policy": "no-referrer",
            },
        )
