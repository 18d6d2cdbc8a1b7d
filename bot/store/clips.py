"""Clips and the archive queue: one row per clip is both the request and the job.

A finished clip is `done` while its file is on disk and `expired` once the
disk quota removed the file (the row keeps the title, the source and the
sha256, for provenance).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.domain.archive_space import DiskFile
from bot.domain.clips import Clip, ClipStatus
from bot.domain.ranges import ClipRange

CLIP_REFERENCES: tuple[str, ...] = (
    # `clip A17 URL`: the clip was asked for an alert and went to its rooms.
    "c.alert_id IS NOT NULL",
    # Submitted content carries the clip: its pushes post it and its kits hand it out.
    "EXISTS (SELECT 1 FROM content k WHERE k.clip_id = c.id)",
)
"""SQL conditions, on a clip row aliased `c`, under which its file must be kept.

The disk quota removes only files none of whose clips is referenced. A table
that comes to point at clips adds exactly one clause here and nothing else
changes, e.g. for tasks done with a clip and for pushed content:
`"EXISTS (SELECT 1 FROM tasks t WHERE t.clip_id = c.id)"`,
`"EXISTS (SELECT 1 FROM content k WHERE k.clip_id = c.id)"`.
"""


def _referenced() -> str:
    return "(" + " OR ".join(CLIP_REFERENCES) + ")"


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _row(row: aiosqlite.Row) -> Clip:
    return Clip(
        id=row["id"],
        url=row["url"],
        range=ClipRange(row["range_start"], row["range_end"]),
        status=ClipStatus(row["status"]),
        requested_by=row["requested_by"],
        requester_name=row["requester_name"],
        requested_at=datetime.fromtimestamp(row["requested_at"], UTC),
        origin_platform=row["origin_platform"],
        origin_chat_id=row["origin_chat_id"],
        origin_private=bool(row["origin_private"]),
        progress_outbox_id=row["progress_outbox_id"],
        lang=row["lang"],
        alert_id=row["alert_id"],
        title=row["title"],
        webpage_url=row["webpage_url"],
        extractor=row["extractor"],
        uploader=row["uploader"],
        duration=row["duration"],
        size=row["size"],
        sha256=row["sha256"],
        path=row["path"],
        note=row["note"],
        fail_reason=row["fail_reason"],
        fail_detail=row["fail_detail"],
        attempts=row["attempts"],
        finished_at=_dt(row["finished_at"]),
        expired_at=_dt(row["expired_at"]),
        queued_by=row["queued_by"],
    )


@dataclass(frozen=True, slots=True)
class ArchivedFile:
    """What the worker reports for a finished clip."""

    title: str | None
    webpage_url: str | None
    extractor: str | None
    uploader: str | None
    duration: float | None
    size: int
    sha256: str
    path: str


class ClipRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def create(
        self,
        url: str,
        clip_range: ClipRange,
        *,
        requested_by: int,
        requester_name: str,
        origin_platform: str,
        origin_chat_id: str,
        origin_private: bool,
        lang: str | None,
        alert_id: int | None = None,
    ) -> Clip:
        cur = await self._conn.execute(
            "INSERT INTO clips (url, range_start, range_end, range_key, requested_by,"
            " queued_by, requester_name, requested_at, origin_platform, origin_chat_id,"
            " origin_private, lang, alert_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                url,
                clip_range.start,
                clip_range.end,
                clip_range.key(),
                requested_by,
                requested_by,
                requester_name,
                time.time(),
                origin_platform,
                origin_chat_id,
                int(origin_private),
                lang,
                alert_id,
            ),
        )
        clip = await self.get(int(cur.lastrowid or 0))
        assert clip is not None
        return clip

    async def get(self, clip_id: int) -> Clip | None:
        async with self._conn.execute("SELECT * FROM clips WHERE id = ?", (clip_id,)) as cur:
            row = await cur.fetchone()
        return None if row is None else _row(row)

    async def find_same(self, url: str, clip_range: ClipRange) -> Clip | None:
        """The clip already asked for this URL and range, unless it failed or expired.

        A `done` answer names a file the caller should still check on disk
        (`storage.is_intact`): someone may have deleted it by hand.
        """
        async with self._conn.execute(
            "SELECT * FROM clips WHERE url = ? AND range_key = ?"
            " AND status NOT IN ('failed', 'expired') ORDER BY id LIMIT 1",
            (url, clip_range.key()),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _row(row)

    async def first_archived_for_alert(self, alert_id: int) -> Clip | None:
        """The alert's first clip to be archived (the rapid-response clock's "clip")."""
        async with self._conn.execute(
            "SELECT * FROM clips WHERE alert_id = ? AND status = 'done'"
            " ORDER BY finished_at LIMIT 1",
            (alert_id,),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _row(row)

    async def set_progress_message(self, clip_id: int, outbox_id: int) -> None:
        await self._conn.execute(
            "UPDATE clips SET progress_outbox_id = ? WHERE id = ?", (outbox_id, clip_id)
        )

    async def pending_for_member(self, member_id: int) -> int:
        """Clips waiting or downloading in this member's queue (asked or retried by them)."""
        async with self._conn.execute(
            "SELECT COUNT(*) FROM clips WHERE queued_by = ? AND status IN ('queued', 'running')",
            (member_id,),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # --- used by the archive service ---------------------------------------------------

    async def requeue_running(self) -> list[int]:
        """At start: jobs a dead process was running go back to the queue."""
        async with self._conn.execute("SELECT id FROM clips WHERE status = 'running'") as cur:
            ids = [int(r[0]) for r in await cur.fetchall()]
        await self._conn.execute("UPDATE clips SET status = 'queued' WHERE status = 'running'")
        return ids

    async def claim_next(self, exclude: set[int]) -> Clip | None:
        async with self._conn.execute(
            "SELECT * FROM clips WHERE status = 'queued' ORDER BY id LIMIT ?",
            (len(exclude) + 1,),
        ) as cur:
            rows = [_row(r) for r in await cur.fetchall()]
        for clip in rows:
            if clip.id in exclude:
                continue
            await self._conn.execute(
                "UPDATE clips SET status = 'running', attempts = attempts + 1, started_at = ?"
                " WHERE id = ?",
                (time.time(), clip.id),
            )
            return await self.get(clip.id)
        return None

    async def active_count(self) -> int:
        async with self._conn.execute(
            "SELECT COUNT(*) FROM clips WHERE status IN ('queued', 'running')"
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def finish(self, clip_id: int, archived: ArchivedFile) -> None:
        await self._conn.execute(
            "UPDATE clips SET status = 'done', title = ?, webpage_url = ?, extractor = ?,"
            " uploader = ?, duration = ?, size = ?, sha256 = ?, path = ?, fail_reason = NULL,"
            " fail_detail = NULL, finished_at = ? WHERE id = ?",
            (
                archived.title,
                archived.webpage_url,
                archived.extractor,
                archived.uploader,
                archived.duration,
                archived.size,
                archived.sha256,
                archived.path,
                time.time(),
                clip_id,
            ),
        )

    async def fail(self, clip_id: int, reason: str, detail: str | None) -> None:
        await self._conn.execute(
            "UPDATE clips SET status = 'failed', fail_reason = ?, fail_detail = ?,"
            " finished_at = ? WHERE id = ?",
            (reason, (detail or "")[:500] or None, time.time(), clip_id),
        )

    async def retry(self, clip_id: int, member_id: int) -> None:
        """Back in the queue, in the queue of whoever retried it."""
        await self._conn.execute(
            "UPDATE clips SET status = 'queued', queued_by = ?, fail_reason = NULL,"
            " fail_detail = NULL, finished_at = NULL WHERE id = ? AND status = 'failed'",
            (member_id, clip_id),
        )

    # --- the disk quota ---------------------------------------------------------------

    async def archived_files(self) -> list[DiskFile]:
        """Every file on disk (one per sha256), with whether a clip of it is referenced."""
        async with self._conn.execute(
            "SELECT c.sha256 AS sha256, MAX(c.size) AS size,"
            " MAX(COALESCE(c.finished_at, c.requested_at)) AS last_used,"
            f" MAX(CASE WHEN {_referenced()} THEN 1 ELSE 0 END) AS referenced"
            " FROM clips c WHERE c.status = 'done' AND c.sha256 IS NOT NULL"
            " GROUP BY c.sha256"
        ) as cur:
            rows = await cur.fetchall()
        return [
            DiskFile(r["sha256"], int(r["size"] or 0), float(r["last_used"]), bool(r["referenced"]))
            for r in rows
        ]

    async def expire_files(self, sha256s: Iterable[str]) -> list[str]:
        """Mark every clip of these files expired; the paths to delete once committed."""
        wanted = list(sha256s)
        if not wanted:
            return []
        marks = ", ".join("?" * len(wanted))
        async with self._conn.execute(
            f"SELECT DISTINCT path FROM clips WHERE status = 'done' AND sha256 IN ({marks})"
            " AND path IS NOT NULL",
            wanted,
        ) as cur:
            paths = [str(r[0]) for r in await cur.fetchall()]
        await self._conn.execute(
            "UPDATE clips SET status = 'expired', expired_at = ?, path = NULL"
            f" WHERE status = 'done' AND sha256 IN ({marks})",
            (time.time(), *wanted),
        )
        return paths

    async def status_counts(self) -> dict[str, int]:
        async with self._conn.execute("SELECT status, COUNT(*) FROM clips GROUP BY status") as cur:
            return {str(r[0]): int(r[1]) for r in await cur.fetchall()}

    async def notice_sent_since(self, subject: str, since: float) -> bool:
        """Whether a message with this outbox subject was queued after `since`.

        Keeps the archive's notices to the admins to one per period, across restarts.
        """
        async with self._conn.execute(
            "SELECT 1 FROM outbox WHERE subject = ? AND created_at >= ? LIMIT 1",
            (subject, since),
        ) as cur:
            return await cur.fetchone() is not None

    async def search(self, words: list[str], limit: int) -> list[Clip]:
        """Clips whose title, source or note hold every word; no words: the latest."""
        query = "SELECT * FROM clips"
        params: list[object] = []
        if words:
            clauses = []
            for word in words:
                clauses.append(
                    "(title LIKE ? ESCAPE '\\' OR url LIKE ? ESCAPE '\\'"
                    " OR webpage_url LIKE ? ESCAPE '\\' OR note LIKE ? ESCAPE '\\')"
                )
                escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                params += [f"%{escaped}%"] * 4
            query += " WHERE " + " AND ".join(clauses)
        query += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        async with self._conn.execute(query, params) as cur:
            return [_row(r) for r in await cur.fetchall()]
