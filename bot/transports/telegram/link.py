"""Whether the Bot API is answering us, judged from every request the library makes.

Telegram has no connection to watch: the bot polls (or is posted to) and
sends over HTTP. So the link is the requests themselves. Every answer of a
working Bot API (a success, and also 400, 403 or 429, which are about a
message or a chat) counts as up; a request that fails to get one (refused
connection, timeout, 5xx), whose token is refused (401/404), or a long poll
refused because another process polls with the token (409) counts as a
failure, from the moment it was sent. The link is down once requests have
been failing, with no good answer since, for longer than `grace` seconds:
one lost long poll does not make the bot look down, a minute of them does.

A refused token during long polling would make python-telegram-bot abort its
polling loop for good (it never retries `InvalidToken`); the bot would then
stay deaf after the Bot API or a proxy in front of it recovers. The polling
request turns that answer into a `NetworkError`, so the library keeps
retrying with its back-off (up to 30 s) and polling resumes by itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from http import HTTPStatus

from telegram._utils.types import ODVInput
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

DOWN_AFTER_SECONDS = 10.0
"""Failing for this long, with no good answer since, and the link is down."""
_TOKEN_REFUSED = (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND)


def _method(url: str) -> str:
    return url.rsplit("/", 1)[-1]


class LinkHealth:
    """The Bot API's answers, as up or down. One per transport, shared by its requests."""

    def __init__(
        self, *, grace: float = DOWN_AFTER_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.grace = grace
        self._clock = clock
        self._failing_since: float | None = None
        self._last_answer: float | None = None
        self.problem: str | None = None
        """Why the last request failed, while failing (no URL, so no token)."""
        self._down_logged = False

    @property
    def up(self) -> bool:
        since = self._failing_since
        if since is None or self._clock() - since < self.grace:
            return True
        if not self._down_logged:
            self._down_logged = True
            log.warning("telegram: the Bot API has not answered for %.0fs: %s",
                        self._clock() - since, self.problem)  # fmt: skip
        return False

    @property
    def failing(self) -> bool:
        return self._failing_since is not None

    def idle_for(self) -> float:
        """Seconds since the Bot API last answered (since start when it never did)."""
        last = self._last_answer
        return float("inf") if last is None else self._clock() - last

    def answered(self) -> None:
        if self._failing_since is not None and self._down_logged:
            log.info("telegram: the Bot API answers again")
        self._failing_since = None
        self._down_logged = False
        self.problem = None
        self._last_answer = self._clock()

    def failed(self, started: float, problem: str) -> None:
        if self._failing_since is None:
            self._failing_since = started
        self.problem = problem

    def now(self) -> float:
        return self._clock()


class ObservedRequest(BaseRequest):
    """Wraps one of the library's HTTP clients: reports every outcome to `health`.

    With `keep_polling`, a refused token on getUpdates is raised as a `NetworkError`,
    which the library's polling loop retries (see the module's docstring).
    """

    def __init__(self, inner: BaseRequest, health: LinkHealth, *, keep_polling: bool = False):
        self._inner = inner
        self._health = health
        self._keep_polling = keep_polling

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        health = self._health
        started = health.now()
        api_method = _method(url)
        try:
            code, payload = await self._inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except NetworkError as error:  # TimedOut is one
            health.failed(started, f"{api_method}: {type(error).__name__}: {error.message}")
            raise
        if code in _TOKEN_REFUSED:
            health.failed(started, f"{api_method}: the Bot API refused the token ({code})")
            if self._keep_polling and api_method == "getUpdates":
                raise NetworkError(
                    f"the Bot API refused the token ({code}); polling again after a pause"
                )
        elif code == HTTPStatus.CONFLICT and api_method == "getUpdates":
            # Another process polls with this token (or a webhook is set): it gets the
            # updates, this bot hears nothing.
            health.failed(started, f"{api_method}: another bot polls with this token ({code})")
        elif code >= HTTPStatus.INTERNAL_SERVER_ERROR:
            health.failed(started, f"{api_method}: the Bot API answered {code}")
        else:
            health.answered()
        return code, payload
