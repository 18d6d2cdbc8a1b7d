"""Retention of what belongs to no alert: tasks raised on their own and clips asked without
an alert go `keep_alerts_days` after they ended, with their history; a clip's file goes
with the last row that points at it; what content or a live task still uses stays."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.config import PrivacySettings
from bot.domain.alerts import AlertDraft
from bot.domain.clips import ClipRange
from bot.domain.messages import Target, TargetKind
from bot.domain.tasks import TaskEventKind, TaskKind, TaskStatus
from bot.privacy import Retention
from bot.store import Database, Tx
from bot.store.clips import ArchivedFile
from tests.fakes.engines import target_for

pytestmark = pytest.mark.both_engines

DAY = 86_400.0
ROOM = Target("console", TargetKind.ROOM, "#p")


async def _clip(tx: Tx, member: int, url: str, *, alert: int | None = None) -> int:
    clip = await tx.clips.create(
        url, ClipRange(0, 10), requested_by=member, requester_name="dana",
        origin_platform="console", origin_chat_id="#p", origin_private=False, lang=None,
        alert_id=alert,
    )  # fmt: skip
    return clip.id


async def _archived(tx: Tx, clip_id: int, sha: str, path: Path, age_days: float, now: float,
                    ) -> None:  # fmt: skip
    await asyncio.to_thread(path.write_bytes, b"video")
    await tx.clips.finish(clip_id, ArchivedFile(None, None, None, None, 10.0, 5, sha, str(path)))
    await tx._conn.execute(
        "UPDATE clips SET finished_at = ? WHERE id = ?", (now - age_days * DAY, clip_id)
    )


async def test_loose_tasks_and_clips_go_after_the_alerts_horizon(tmp_path: Path) -> None:
    now = time.time()
    files = tmp_path / "archive"
    files.mkdir()
    old_file, shared_file = files / "aa.mp4", files / "bb.mp4"
    async with Database.open(target_for(tmp_path, "r.db")) as db:
        await db.migrate()
        async with db.transaction() as tx:
            dana = (await tx.members.resolve("console", "dana", "dana", None)).id
            alert = await tx.alerts.create(
                AlertDraft("recent", None, ()), author_member_id=dana, author_name="dana",
                origin_platform="console", origin_chat_id="#p", origin_label="#p",
                origin_private=False, now=now - 10 * DAY,
            )  # fmt: skip
            gone = await _clip(tx, dana, "https://a.example/1")
            await _archived(tx, gone, "a" * 64, old_file, 400, now)
            shared_old = await _clip(tx, dana, "https://a.example/2")
            await _archived(tx, shared_old, "b" * 64, shared_file, 400, now)
            shared_new = await _clip(tx, dana, "https://a.example/3")
            await _archived(tx, shared_new, "b" * 64, shared_file, 3, now)
            in_content = await _clip(tx, dana, "https://a.example/4")
            await tx._conn.execute(
                "INSERT INTO content (text, clip_id, author_member_id, author_name,"
                " origin_platform, origin_chat_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ("post", in_content, dana, "dana", "console", "#p", now - 400 * DAY),
            )
            of_alert = await _clip(tx, dana, "https://a.example/5", alert=alert.id)
            queued = await _clip(tx, dana, "https://a.example/6")
            failed = await _clip(tx, dana, "https://a.example/7")
            await tx.clips.fail(failed, "unavailable", None)
            await tx._conn.execute(
                "UPDATE clips SET requested_at = ?, finished_at = ? WHERE id IN (?, ?, ?, ?)",
                (now - 400 * DAY, now - 400 * DAY, in_content, of_alert, queued, failed),
            )
            tasks: dict[str, int] = {}
            for name, age, final in (("ended", 400, True), ("open", 400, False),
                                     ("recent", 10, True), ("holds", 400, False)):
                task = await tx.tasks.create(
                    kind=TaskKind.REBUTTAL, text=name, alert_id=None, scope=(),
                    created_by=dana, creator_name="dana", origin=ROOM, origin_label="#p",
                    due_at=None, now=now - age * DAY,
                )  # fmt: skip
                await tx.tasks.add_event(task.id, TaskEventKind.CREATED, dana, "dana",
                                         now - age * DAY)  # fmt: skip
                if final:
                    await tx.tasks.finish(task.id, TaskStatus.DONE, member_id=dana,
                                          name="dana", now=now - age * DAY)  # fmt: skip
                tasks[name] = task.id
            # A live task holding an old loose clip keeps it.
            held = await _clip(tx, dana, "https://a.example/8")
            await tx.clips.fail(held, "unavailable", None)
            await tx._conn.execute(
                "UPDATE clips SET finished_at = ? WHERE id = ?", (now - 400 * DAY, held)
            )
            await tx.tasks.link_clip(tasks["holds"], held)

        settings = PrivacySettings(keep_alerts_days=365, export_dir=tmp_path / "exports")
        stopped = Retention(db, settings, clock=lambda: now)
        stopped.stop()
        assert (await stopped.purge())["clips"] == 0

        done = await Retention(db, settings, clock=lambda: now).purge()
        assert done["tasks"] == 1 and done["clips"] == 3
        async with db.transaction() as tx:
            rows = await tx._conn.fetchall("SELECT id FROM clips ORDER BY id")
            assert [r[0] for r in rows] == [shared_new, in_content, of_alert, queued, held]
            left = await tx._conn.fetchall("SELECT text FROM tasks ORDER BY id")
            assert [r[0] for r in left] == ["open", "recent", "holds"]
            events = await tx._conn.fetchone(
                "SELECT COUNT(*) FROM task_events WHERE task_id = ?", (tasks["ended"],)
            )
            assert events is not None and events[0] == 0
        # The file only a purged clip pointed at is gone; the one a kept clip shares stays.
        assert not old_file.exists() and shared_file.exists()
        # Nothing left to do on the next pass.
        again = await Retention(db, settings, clock=lambda: now).purge()
        assert again["tasks"] == 0 and again["clips"] == 0
