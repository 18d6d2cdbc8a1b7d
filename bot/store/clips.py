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

from bot.domain.archive_space import DiskFile
from bot.domain.clips import Clip, ClipStatus
from bot.domain.ranges import ClipRange
from bot.store.connection import Connection, Row

CLIP_REFERENCES: tuple[str, ...] = (
    # `clip A17 URL`: the clip was asked for an alert and went to its rooms.
    "c.alert_id IS NOT NULL",
    # Submitted content carries the clip: its pushes post it and its kits hand it out.
    "EXISTS (SELECT 1 FROM content k WHERE k.clip_id = c.id)",
    # Its card and video are still on their way to the rooms (`clip:<id>` is the subject of
    # every message about the clip): until they are delivered or failed, the file stays,
    # or the upload would find nothing to send.
    "EXISTS (SELECT 1 FROM outbox o WHERE o.subject = 'clip:' || CAST(c.id AS TEXT)"
    " AND o.status IN ('pending', 'sending'))",
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


def _row(row: Row) -> Clip:
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
    def __init__(self, conn: Connection) -> None:
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
        clip_id = await self._conn.fetchval(
            "INSERT INTO clips (url, range_start, range_end, range_key, requested_by,"
            " queued_by, requester_name, requested_at, origin_platform, origin_chat_id,"
            " origin_private, lang, alert_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
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
        self._conn.notify("clips")
        clip = await self.get(int(clip_id))
        assert clip is not None
        return clip

    async def get(self, clip_id: int) -> Clip | None:
        row = await self._conn.fetchone("SELECT * FROM clips WHERE id = ?", (clip_id,))
        return None if row is None else _row(row)

    async def find_same(self, url: str, clip_range: ClipRange) -> Clip | None:
        """The clip already asked for this URL and range, unless it failed or expired.

        A `done` answer names a file the caller should still check on disk
        (`storage.is_intact`): someone may have deleted it by hand.
        """
        row = await self._conn.fetchone(
            "SELECT * FROM clips WHERE url = ? AND range_key = ?"
            " AND status NOT IN ('failed', 'expired') ORDER BY id LIMIT 1",
            (url, clip_range.key()),
        )
        return None if row is None else _row(row)

    async def first_archived_for_alert(self, alert_id: int) -> Clip | None:
        """The alert's first clip to be archived (the rapid-response clock's "clip")."""
        row = await self._conn.fetchone(
            "SELECT * FROM clips WHERE alert_id = ? AND status = 'done'"
            " ORDER BY finished_at LIMIT 1",
            (alert_id,),
        )
        return None if row is None else _row(row)

    async def set_progress_message(self, clip_id: int, outbox_id: int) -> None:
        await self._conn.execute(
            "UPDATE clips SET progress_outbox_id = ? WHERE id = ?", (outbox_id, clip_id)
        )

    async def pending_for_member(self, member_id: int) -> int:
        """Clips waiting or downloading in this member's queue (asked or retried by them)."""
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM clips WHERE queued_by = ? AND status IN ('queued', 'running')",
            (member_id,),
        )
        return int(row[0]) if row else 0

    # --- used by the archive service ---------------------------------------------------

    async def requeue_running(self, *, expired_before: float | None = None) -> list[int]:
        """Jobs a dead process was running go back to the queue: all of them (at start,
        when the instance lock proves the previous process gone), or those whose lease
        ran out before `expired_before` (several archive workers share the queue)."""
        where = "status = 'running'"
        params: tuple[object, ...] = ()
        if expired_before is not None:
            where += " AND (lease_until IS NULL OR lease_until < ?)"
            params = (expired_before,)
        rows = await self._conn.fetchall(
            f"UPDATE clips SET status = 'queued', lease_owner = NULL, lease_until = NULL"
            f" WHERE {where} RETURNING id",
            params,
        )
        if rows:
            self._conn.notify("clips")
        return sorted(int(r[0]) for r in rows)

    async def claim_next(
        self, exclude: set[int], *, owner: str = "", lease_until: float | None = None
    ) -> Clip | None:
        """The oldest queued clip, now `running` under this worker's lease. Two workers
        never get the same one (PostgreSQL: the row is locked, the other skips it)."""
        dialect = self._conn.dialect
        row = await self._conn.fetchone(
            "UPDATE clips SET status = 'running', attempts = attempts + 1, started_at = ?,"
            " lease_owner = ?, lease_until = ? WHERE id = (SELECT id FROM clips"
            f" WHERE status = 'queued' AND NOT {dialect.in_int_list('id')}"
            f" ORDER BY id LIMIT 1{dialect.skip_locked}) AND status = 'queued' RETURNING *",
            (time.time(), owner or None, lease_until, dialect.list_param(sorted(exclude))),
        )
        return None if row is None else _row(row)

    async def renew_leases(self, owner: str, until: float) -> int:
        return await self._conn.execute(
            "UPDATE clips SET lease_until = ? WHERE status = 'running' AND lease_owner = ?",
            (until, owner),
        )

    async def held_by(self, clip_id: int, owner: str) -> bool:
        """Still running under this worker's lease (not taken back by another)."""
        found = await self._conn.fetchval(
            "SELECT 1 FROM clips WHERE id = ? AND status = 'running'"
            " AND lease_owner IS NOT DISTINCT FROM ?",
            (clip_id, owner or None),
        )
        return found is not None

    async def active_count(self) -> int:
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM clips WHERE status IN ('queued', 'running')"
        )
        return int(row[0]) if row else 0

    async def finish(self, clip_id: int, archived: ArchivedFile) -> None:
        await self._conn.execute(
            "UPDATE clips SET status = 'done', title = ?, webpage_url = ?, extractor = ?,"
            " uploader = ?, duration = ?, size = ?, sha256 = ?, path = ?, fail_reason = NULL,"
            " fail_detail = NULL, finished_at = ?, lease_owner = NULL, lease_until = NULL"
            " WHERE id = ?",
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
            " finished_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
            (reason, (detail or "")[:500] or None, time.time(), clip_id),
        )

    async def retry(self, clip_id: int, member_id: int) -> None:
        """Back in the queue, in the queue of whoever retried it."""
        self._conn.notify("clips")
        await self._conn.execute(
            "UPDATE clips SET status = 'queued', queued_by = ?, fail_reason = NULL,"
            " fail_detail = NULL, finished_at = NULL WHERE id = ? AND status = 'failed'",
            (member_id, clip_id),
        )

    # --- the disk quota ---------------------------------------------------------------

    async def archived_files(self) -> list[DiskFile]:
        """Every file on disk (one per sha256), with whether a clip of it is referenced."""
        rows = await self._conn.fetchall(
            "SELECT c.sha256 AS sha256, MAX(c.size) AS size,"
            " MAX(COALESCE(c.finished_at, c.requested_at)) AS last_used,"
            f" MAX(CASE WHEN {_referenced()} THEN 1 ELSE 0 END) AS referenced"
            " FROM clips c WHERE c.status = 'done' AND c.sha256 IS NOT NULL"
            " GROUP BY c.sha256"
        )
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
        rows = await self._conn.fetchall(
            f"SELECT DISTINCT path FROM clips WHERE status = 'done' AND sha256 IN ({marks})"
            " AND path IS NOT NULL",
            wanted,
        )
        paths = [str(r[0]) for r in rows]
        await self._conn.execute(
            "UPDATE clips SET status = 'expired', expired_at = ?, path = NULL"
            f" WHERE status = 'done' AND sha256 IN ({marks})",
            (time.time(), *wanted),
        )
        return paths

    async def status_counts(self) -> dict[str, int]:
        rows = await self._conn.fetchall("SELECT status, COUNT(*) FROM clips GROUP BY status")
        return {str(r[0]): int(r[1]) for r in rows}

    async def notice_sent_since(self, subject: str, since: float) -> bool:
        """Whether a message with this outbox subject was queued after `since`.

        Keeps the archive's notices to the admins to one per period, across restarts.
        """
        row = await self._conn.fetchone(
            "SELECT 1 FROM outbox WHERE subject = ? AND created_at >= ? LIMIT 1",
            (subject, since),
        )
        return row is not None

    async def search(self, words: list[str], limit: int) -> list[Clip]:
        """Clips whose title, source or note hold every word; no words: the latest."""
        where, params = _matching(words, self._conn.dialect.like)
        rows = await self._conn.fetchall(
            f"SELECT * FROM clips{where} ORDER BY id DESC LIMIT ?", [*params, limit]
        )
        return [_row(r) for r in rows]

    async def search_count(self, words: list[str]) -> int:
        """How many clips `search` would find without its limit."""
        where, params = _matching(words, self._conn.dialect.like)
        return int(await self._conn.fetchval(f"SELECT COUNT(*) FROM clips{where}", params) or 0)


def _matching(words: list[str], like: str) -> tuple[str, list[object]]:
    """The WHERE clause (with its values) of clips holding every word in a searched field."""
    if not words:
        return "", []
    clauses: list[str] = []
    params: list[object] = []
    for word in words:
        clauses.append(
            f"(title {like} ? ESCAPE '\\' OR url {like} ? ESCAPE '\\'"
            f" OR webpage_url {like} ? ESCAPE '\\' OR note {like} ? ESCAPE '\\')"
        )
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [f"%{escaped}%"] * 4
    return " WHERE " + " AND ".join(clauses), params
