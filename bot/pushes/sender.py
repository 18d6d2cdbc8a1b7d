"""The social sender: makes the queued posts, one at a time per account, and records each.

Crash safety, chosen over "at least once": a post is marked `sending` and that
mark committed before the network call; its outcome is written after. A
`kill -9` during the call leaves the mark, and the next start reports the post
as *unknown: check the account*, in the room that scheduled it and in
`pushes`, instead of posting it again (a duplicate on a public account is
worse than a question) or forgetting it. Errors are not retried either: a
failed post says why, and `push P3 now to mastodon` tries again on purpose.
An answer that never came (a timeout) is also unknown, since the server may
have posted.

Stopping: no new post starts; one in flight gets a few seconds, then is left
to the next start to report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.domain.content import Network
from bot.domain.pushes import PushTarget, TargetState
from bot.pushes import reports
from bot.pushes.setup import PushSetup
from bot.social.base import Post, Poster, SocialError
from bot.store.database import Database

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
STOP_GRACE_SECONDS = 2.0
INTERRUPTED = "the bot stopped while this post was on its way"


class SocialSender:
    def __init__(
        self,
        db: Database,
        setup: PushSetup,
        posters: dict[Network, Poster],
        *,
        clock: Callable[[], float] = time.time,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._setup = setup
        self._posters = posters
        self._clock = clock
        self._on_commit = on_commit
        self._signal = asyncio.Event()
        self._stopping = False
        self._busy: dict[Network, asyncio.Task[None]] = {}
        self.posted = 0

    def wake(self) -> None:
        self._signal.set()

    def stop(self) -> None:
        self._stopping = True
        self._signal.set()

    async def recover(self) -> list[PushTarget]:
        """At start: posts that were `sending` when the bot died become unknown, reported."""
        now = self._clock()
        async with self._db.transaction() as tx:
            lost = await tx.pushes.interrupted(now, INTERRUPTED)
            for run_id in {t.run_id for t in lost}:
                run = await tx.pushes.run(run_id)
                if run is not None:
                    await reports.report(tx, self._setup, run, final=False, now=now)
        for target in lost:
            log.warning(
                "push P%d: %s post %d was on its way at the last stop: unknown",
                target.push_id,
                target.network.value,
                target.id,
            )
        if lost:
            self._on_commit()
        return lost

    async def run(self) -> None:
        try:
            while not self._stopping:
                await self._start_due()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._signal.wait(), POLL_SECONDS)
                self._signal.clear()
        finally:
            await self._finish_in_flight()

    async def _start_due(self) -> None:
        async with self._db.transaction() as tx:
            waiting = await tx.pushes.queued_networks()
        for network in waiting:
            if network in self._busy or self._stopping:
                continue
            self._busy[network] = asyncio.create_task(
                self._drain(network), name=f"social-{network.value}"
            )

    async def _drain(self, network: Network) -> None:
        try:
            while not self._stopping and await self.send_one(network):
                pass
        finally:
            self._busy.pop(network, None)

    async def send_one(self, network: Network) -> bool:
        """Make the oldest queued post of `network`; False when there was none."""
        async with self._db.transaction() as tx:
            target = await tx.pushes.start_next(network, self._clock())
        if target is None:
            return False
        state, url, reason = await self._post(target)
        now = self._clock()
        async with self._db.transaction() as tx:
            await tx.pushes.finish(target.id, state, now, url=url, reason=reason)
            run = await tx.pushes.run(target.run_id)
            if run is not None and run.reported_at is None:
                await reports.report(tx, self._setup, run, final=False, now=now)
        self._on_commit()
        return True

    async def _post(self, target: PushTarget) -> tuple[TargetState, str | None, str | None]:
        poster = self._posters.get(target.network)
        if poster is None:
            return TargetState.FAILED, None, "this account is not configured any more"
        timeout = self._setup.settings.push.timeout
        push_lang = None
        async with self._db.transaction() as tx:
            push = await tx.pushes.get(target.push_id)
            push_lang = push.lang if push else None
        post = Post(target.text, target.media_path, f"riposte-post-{target.id}", push_lang)
        try:
            # The clients bound each request by `timeout`; a video upload is several
            # requests, so the whole post gets a few times that.
            posted = await asyncio.wait_for(poster.post(post), timeout * 4 + 5)
        except SocialError as error:
            state = TargetState.UNKNOWN if error.uncertain else TargetState.FAILED
            log.warning(
                "push P%d: %s post %d %s: %s",
                target.push_id,
                target.network.value,
                target.id,
                state.value,
                error.reason,
            )
            return state, None, error.reason
        except TimeoutError:
            return TargetState.UNKNOWN, None, "no answer in time"
        except Exception as error:
            log.exception("push P%d: %s post %d", target.push_id, target.network.value, target.id)
            return TargetState.UNKNOWN, None, f"unexpected error: {type(error).__name__}"
        self.posted += 1
        log.info(
            "push P%d: %s post %d sent: %s",
            target.push_id,
            target.network.value,
            target.id,
            posted.url,
        )
        return TargetState.SENT, posted.url, None

    async def _finish_in_flight(self) -> None:
        tasks = list(self._busy.values())
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if late:
            log.warning(
                "%d social posts still on their way at stop: unknown at next start", len(late)
            )

    async def idle(self) -> None:
        """Until nothing is queued or in flight (tests; the console at the end of its input)."""
        while True:
            async with self._db.transaction() as tx:
                waiting = await tx.pushes.queued_networks()
            if not waiting and not self._busy:
                return
            self.wake()
            await asyncio.sleep(0.02)
