"""The archive service: takes queued clip rows, runs workers, edits the progress message.

The queue is the `clips` table: a row is committed (with the reply announcing
it) before the bot answers, so after a restart queued jobs run and jobs that
were running start again from an empty folder. Progress is written to the
outbox as edits of the reply (`edit_of`), at most one every `EDIT_INTERVAL`
seconds per message (platforms limit edits), and the delivery engine is woken
after each commit.

The disk quota (`quota.py`) is applied twice: before a job starts (a full
archive with nothing to free refuses at once, without downloading) and when
it finishes (its real size may push the oldest unreferenced files out).

Shared (several archive workers on one PostgreSQL store, sharing the archive
folder): a running clip is leased to the worker running it, renewed while it
runs; a worker that dies leaves clips whose lease runs out, and another
takes them back and runs them from the start. Two workers never run the same
clip (the claim locks the row and skips rows another worker is claiming).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.archive import quota, storage
from bot.archive.cards import render_card, render_failure, render_progress, render_video
from bot.archive.ffmpeg import Ffmpeg, find_ffmpeg, location_folder
from bot.archive.runner import WorkerOutcome, run_worker
from bot.archive.worker import JobSpec
from bot.config import ArchiveSettings
from bot.domain.alerts import alert_subject
from bot.domain.archive_space import SpacePlan
from bot.domain.clips import Clip, FailReason, Progress
from bot.domain.messages import OutgoingMessage, Target, TargetKind
from bot.i18n import pick_lang
from bot.redaction import redact as redact_patterns
from bot.store.clips import ArchivedFile
from bot.store.database import Database
from bot.store.outbox import Priority
from bot.store.transaction import Tx
from bot.tasks.changes import origin_of_alert

log = logging.getLogger(__name__)

EDIT_INTERVAL = 2.0
IDLE_POLL_SECONDS = 2.0


def _origin(clip: Clip) -> Target:
    kind = TargetKind.USER if clip.origin_private else TargetKind.ROOM
    return Target(clip.origin_platform, kind, clip.origin_chat_id)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


class ArchiveService:
    def __init__(
        self,
        db: Database,
        settings: ArchiveSettings,
        default_lang: str,
        on_enqueue: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        on_archived: Callable[[Tx, Clip], Awaitable[object]] | None = None,
        admins: tuple[str, ...] = (),
        redact: Callable[[str], str] = redact_patterns,
        owner: str = "",
        lease_seconds: float = 30.0,
        shared: bool = False,
        file_link: Callable[[Tx, Clip], Awaitable[str | None]] | None = None,
    ) -> None:
        self._db = db
        self._owner = owner
        self._lease = lease_seconds
        self._shared = shared
        self._redact = redact
        """Masks secrets in a worker's error text before it is stored or logged: a site's
        error can quote a URL with a password or a token in it."""
        self._file_link = file_link
        """The web address of an archived clip's file (minted in the recording transaction),
        shown on its card; None without a web server."""
        self._settings = settings
        self._default_lang = default_lang
        self._admins = admins
        """The config's admins (`platform:user_id`), told when the archive is full."""
        self._quota = quota.quota_bytes(settings.max_total_gb)
        self._on_enqueue = on_enqueue
        self._on_archived = on_archived
        """Runs in the transaction recording a finished clip (tasks waiting for it are done)."""
        self._clock = clock
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: dict[int, asyncio.Task[None]] = {}
        self._last_edit: dict[int, float] = {}
        """Per clip, when its message was last edited (monotonic); absent: never."""
        self._started: dict[int, float] = {}
        self._ffmpeg: Ffmpeg | None = None
        self._last_due = 0.0

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def recover(self) -> list[int]:
        """Jobs a dead process was running go back to the queue, to start from scratch.

        Stored files no archived clip points at (a crash between a quota
        decision and the deletion it called for) are deleted: they count
        against no quota and would fill the disk unseen.
        """
        async with self._db.transaction() as tx:
            # Alone on the store, the instance lock proves the previous process gone;
            # shared, only clips whose lease ran out belong to nobody.
            ids = await tx.clips.requeue_running(
                expired_before=self._clock() if self._shared else None
            )
            live = {f.sha256 for f in await tx.clips.archived_files()}
        if ids:
            log.warning("clips %s were interrupted: queued again", ids)
        orphans = await asyncio.to_thread(storage.orphan_files, self._settings.dir, live)
        if orphans:
            removed = await asyncio.to_thread(storage.remove_files, [str(p) for p in orphans])
            log.warning("archive: removed %d stored files no clip points at", removed)
        return ids

    async def wait_idle(self, timeout: float | None = None) -> bool:
        """Until no clip is queued or running and the last edit is due.

        The console's end of input waits for this. Without a timeout it still
        ends: every job is killed after `job_timeout`.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            async with self._db.transaction() as tx:
                active = await tx.clips.active_count()
            if active == 0 and not self._running and self._clock() >= self._last_due:
                return True
            if self._stopping.is_set() or (deadline is not None and time.monotonic() >= deadline):
                return False
            self.wake()
            await asyncio.sleep(0.05)

    async def run(self) -> None:
        try:
            self._ffmpeg = await asyncio.to_thread(find_ffmpeg, self._settings.ffmpeg)
            log.info("archive: ffmpeg %s", self._ffmpeg.describe())
        except Exception as error:
            log.error("archive: %s; clips needing ffmpeg will fail", error)
        renewed = time.monotonic()
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                if time.monotonic() - renewed >= self._lease / 3:
                    renewed = time.monotonic()
                    await self._renew()
                await self._fill()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._wake.wait(), min(IDLE_POLL_SECONDS, self._lease / 3)
                    )
        finally:
            for task in list(self._running.values()):
                task.cancel()
            for task in list(self._running.values()):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _renew(self) -> None:
        """Keep the leases of the clips running here; take back those of dead workers."""
        now = self._clock()
        async with self._db.transaction() as tx:
            if self._running:
                await tx.clips.renew_leases(self._owner, now + self._lease)
            taken = await tx.clips.requeue_running(expired_before=now) if self._shared else []
        if taken:
            log.warning("clips %s: their worker stopped answering; queued again", taken)

    async def _fill(self) -> None:
        while len(self._running) < self._settings.concurrency and not self._stopping.is_set():
            async with self._db.transaction() as tx:
                clip = await tx.clips.claim_next(
                    set(self._running),
                    owner=self._owner,
                    lease_until=self._clock() + self._lease,
                )
            if clip is None:
                return
            task = asyncio.create_task(self._job(clip), name=f"clip-{clip.id}")
            self._running[clip.id] = task
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        clip_id = next((k for k, v in self._running.items() if v is task), None)
        if clip_id is None:
            return
        if not task.cancelled() and task.exception() is not None:
            log.error("clip %d: job crashed", clip_id, exc_info=task.exception())
        self._running.pop(clip_id, None)
        self._last_edit.pop(clip_id, None)
        self._started.pop(clip_id, None)
        self.wake()

    def _lang(self, clip: Clip) -> str:
        return pick_lang(clip.lang, self._default_lang)

    def _spec(self, clip: Clip, folder: Path) -> JobSpec:
        settings = self._settings
        if self._ffmpeg is None:
            raise RuntimeError("no ffmpeg")
        return JobSpec(
            clip_id=clip.id,
            url=clip.url,
            start=clip.range.start,
            end=clip.range.end,
            archive_dir=str(settings.dir),
            folder=str(folder),
            ffmpeg=str(self._ffmpeg.executable),
            ffmpeg_location=str(location_folder(self._ffmpeg, settings.dir / storage.JOBS)),
            allow_private=settings.allow_private_urls,
            trusted_hosts=settings.trusted_hosts,
            max_duration=settings.max_duration,
            max_section=settings.max_section,
            max_bytes=int(settings.max_filesize_mb * 1_000_000),
            socket_timeout=settings.socket_timeout,
            retries=settings.retries,
            keyframe_accurate=settings.keyframe_accurate,
        )

    async def _job(self, clip: Clip) -> None:
        log.info("clip %d: starting %s range %s", clip.id, clip.url, clip.range)
        self._started[clip.id] = time.monotonic()
        async with self._db.transaction() as tx:
            room = await quota.can_start(tx, self._quota)
        if not room.fits:
            log.warning("clip %d: archive full (%d of %d bytes), nothing to free",
                        clip.id, room.used, self._quota)  # fmt: skip
            outcome = WorkerOutcome(reason=FailReason.QUOTA.value, detail="archive full")
            await self._conclude(clip, outcome, room)
            return
        try:
            folder = await asyncio.to_thread(
                storage.fresh_job_folder, self._settings.dir, clip.id, clip.attempts
            )
            spec = self._spec(clip, folder)

            async def on_progress(event: dict[str, Any]) -> None:
                await self._progress(clip, event)

            outcome = await run_worker(spec, self._settings.job_timeout, on_progress)
        except asyncio.CancelledError:
            log.info("clip %d: stopped with the bot; it will start again at the next run", clip.id)
            raise
        except Exception as error:
            log.exception("clip %d: could not run the worker", clip.id)
            outcome = WorkerOutcome(reason=FailReason.FAILED.value, detail=type(error).__name__)
        await self._conclude(clip, outcome)
        await asyncio.to_thread(storage.remove_job_folders, self._settings.dir, clip.id)

    async def _progress(self, clip: Clip, event: dict[str, Any]) -> None:
        now = time.monotonic()
        # No bar in the first seconds (a quick clip goes straight to its card), then
        # at most one edit every EDIT_INTERVAL.
        if now - self._started.get(clip.id, now) < EDIT_INTERVAL:
            return
        if now - self._last_edit.get(clip.id, -EDIT_INTERVAL) < EDIT_INTERVAL:
            return
        self._last_edit[clip.id] = now
        progress = Progress(
            fraction=_number(event.get("fraction")),
            downloaded=int(_number(event.get("downloaded")) or 0),
            speed=_number(event.get("speed")),
            eta=_number(event.get("eta")),
        )
        await self._edit(clip, render_progress(clip, self._lang(clip), progress), 0.0)

    async def _edit(self, clip: Clip, message: OutgoingMessage, delay: float) -> None:
        # One instant for the row and for wait_idle: the console's exit waits for this edit.
        due = self._clock() + delay
        self._last_due = max(self._last_due, due)
        async with self._db.transaction() as tx:
            await tx.outbox.enqueue(
                _origin(clip),
                message,
                Priority.REPLY,
                subject=f"clip:{clip.id}",
                edit_of=clip.progress_outbox_id,
                not_before=due,
                lang=self._lang(clip),
            )
        self._on_enqueue()

    async def _conclude(
        self, clip: Clip, outcome: WorkerOutcome, full: SpacePlan | None = None
    ) -> None:
        # The last edit also keeps the 2 s spacing, so it is never dropped by a platform.
        last = self._last_edit.get(clip.id)
        since = EDIT_INTERVAL if last is None else time.monotonic() - last
        delay = max(EDIT_INTERVAL - since, 0.0)
        lang = self._lang(clip)
        due = self._clock() + delay
        self._last_due = max(self._last_due, due)
        evicted: list[str] = []
        refused_file: str | None = None
        done = outcome.done
        if done is not None and not storage.is_intact(str(done["path"]), int(done["size"])):
            done, outcome = None, WorkerOutcome(reason=FailReason.FAILED.value, detail="file gone")
        async with self._db.transaction() as tx:
            if done is not None:
                room, evicted = await quota.make_room(
                    tx, str(done["sha256"]), int(done["size"]), self._quota
                )
                if not room.fits:
                    full, refused_file = room, str(done["path"])
                    done = None
                    outcome = WorkerOutcome(reason=FailReason.QUOTA.value, detail="archive full")
            if done is not None:
                await tx.clips.finish(
                    clip.id,
                    ArchivedFile(
                        title=done.get("title"),
                        webpage_url=done.get("webpage_url"),
                        extractor=done.get("extractor"),
                        uploader=done.get("uploader"),
                        duration=_number(done.get("duration")),
                        size=int(done["size"]),
                        sha256=str(done["sha256"]),
                        path=str(done["path"]),
                    ),
                )
                log.info("clip %d: archived as %s", clip.id, done["sha256"])
            else:
                reason = outcome.reason or FailReason.FAILED.value
                if reason not in {r.value for r in FailReason}:
                    reason = FailReason.FAILED.value
                detail = self._redact(outcome.detail)
                await tx.clips.fail(clip.id, reason, detail)
                log.warning("clip %d failed: %s (%s)", clip.id, reason, detail)
            final = await tx.clips.get(clip.id)
            assert final is not None
            if full is not None:
                await quota.tell_admins_full(
                    tx, final, full, self._quota, self._admins, self._default_lang
                )
            link = (
                await self._file_link(tx, final)
                if done is not None and self._file_link is not None
                else None
            )
            message = (
                render_card(final, lang, self._settings.dir, link)
                if done is not None
                else render_failure(final, lang)
            )
            await tx.outbox.enqueue(
                _origin(clip),
                message,
                Priority.REPLY,
                subject=f"clip:{clip.id}",
                edit_of=clip.progress_outbox_id,
                not_before=due,
                lang=lang,
            )
            video = render_video(final, lang) if done is not None else None
            if video is not None:
                # Skipped by the engine where the platform takes no uploads.
                await tx.outbox.enqueue(
                    _origin(clip),
                    video,
                    Priority.REPLY,
                    subject=f"clip:{clip.id}",
                    not_before=due,
                    lang=lang,
                )
            if done is not None and final.alert_id is not None:
                await self._share_with_alert(tx, final, link)
            if done is not None and self._on_archived is not None:
                await self._on_archived(tx, final)
        self._on_enqueue()
        if evicted:
            removed = await asyncio.to_thread(storage.remove_files, evicted)
            log.info("archive: %d files removed to make room for clip %d", removed, clip.id)
        if refused_file is not None:
            await asyncio.to_thread(storage.remove_files, [refused_file])

    async def _share_with_alert(self, tx: Tx, clip: Clip, link: str | None) -> None:
        """The card also goes where the alert was raised and to the rooms that got it, each
        in its language; never to its private copies (a national alert has 150,000 of them:
        the rooms are where people work on it, and a subscriber asks `clips` for more)."""
        alert = await tx.alerts.get(clip.alert_id) if clip.alert_id is not None else None
        if alert is None:
            return
        origin = origin_of_alert(alert)
        where = {origin: await self._origin_lang(tx, origin, alert.author_member_id)}
        # `alert:<id>` is the subject handlers/alerts.py gives every relayed copy.
        for row in await tx.outbox.room_copies(alert_subject(alert.id)):
            if row.status in ("pending", "sending", "sent"):
                where.setdefault(row.target, row.lang)
        where.pop(_origin(clip), None)  # its progress message became the card already
        for target, row_lang in where.items():
            lang = pick_lang(row_lang, self._default_lang)
            await tx.outbox.enqueue(
                target,
                render_card(clip, lang, self._settings.dir, link),
                Priority.ALERT,
                subject=f"clip:{clip.id}",
                lang=lang,
            )
            video = render_video(clip, lang)
            if video is not None:
                await tx.outbox.enqueue(
                    target, video, Priority.ALERT, subject=f"clip:{clip.id}", lang=lang
                )

    @staticmethod
    async def _origin_lang(tx: Tx, origin: Target, author_id: int) -> str | None:
        """The language of the place an alert was raised: its room's, or its author's."""
        if origin.kind is TargetKind.ROOM:
            room = await tx.rooms.get(origin.platform, origin.address)
            return room.lang if room is not None else None
        author = await tx.members.get(author_id)
        return author.lang if author is not None else None
