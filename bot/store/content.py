"""Content items and their per-network variants."""

from __future__ import annotations

import json
from collections.abc import Iterable

from bot.domain.content import Content, ContentDraft, ContentStatus, Network
from bot.domain.messages import Target, TargetKind
from bot.store.connection import Connection, Row

_COLUMNS = (
    "id, text, url, clip_id, scope, author_member_id, author_name, status, origin_platform,"
    " origin_chat_id, origin_private, created_at, decided_by, decided_name, decided_at, reason,"
    " updated_at, edited_by"
)


def _row(row: Row, variants: dict[Network, str]) -> Content:
    return Content(
        id=row[0],
        text=row[1],
        url=row[2],
        clip_id=row[3],
        scope=tuple(json.loads(row[4])),
        author_member_id=row[5],
        author_name=row[6],
        status=ContentStatus(row[7]),
        origin_platform=row[8],
        origin_chat_id=row[9],
        origin_private=bool(row[10]),
        created_at=row[11],
        decided_by=row[12],
        decided_name=row[13],
        decided_at=row[14],
        reason=row[15],
        updated_at=row[16],
        edited_by=row[17],
        variants=variants,
    )


class ContentRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def create(
        self,
        draft: ContentDraft,
        *,
        clip_id: int | None,
        author_member_id: int,
        author_name: str,
        origin: Target,
        status: ContentStatus,
        now: float,
    ) -> Content:
        content_id = await self._conn.fetchval(
            "INSERT INTO content (text, url, clip_id, scope, author_member_id, author_name,"
            " status, origin_platform, origin_chat_id, origin_private, created_at, decided_by,"
            " decided_name, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (
                draft.text,
                draft.url,
                clip_id,
                json.dumps(list(draft.scope)),
                author_member_id,
                author_name,
                status.value,
                origin.platform,
                origin.address,
                int(origin.kind is TargetKind.USER),
                now,
                author_member_id if status is ContentStatus.APPROVED else None,
                author_name if status is ContentStatus.APPROVED else None,
                now if status is ContentStatus.APPROVED else None,
            ),
        )
        created = await self.get(int(content_id))
        assert created is not None
        return created

    async def get(self, content_id: int) -> Content | None:
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM content WHERE id = ?", (content_id,)
        )
        if row is None:
            return None
        return _row(row, await self._variants(content_id))

    async def _variants(self, content_id: int) -> dict[Network, str]:
        rows = await self._conn.fetchall(
            "SELECT network, text FROM content_variants WHERE content_id = ? ORDER BY network",
            (content_id,),
        )
        return {Network(r[0]): r[1] for r in rows}

    async def with_status(self, status: ContentStatus, limit: int = 200) -> list[Content]:
        rows = await self._conn.fetchall(
            f"SELECT {_COLUMNS} FROM content WHERE status = ? ORDER BY id LIMIT ?",
            (status.value, limit),
        )
        return [_row(r, await self._variants(r[0])) for r in rows]

    async def decide(
        self,
        content_id: int,
        status: ContentStatus,
        *,
        by: int,
        name: str,
        now: float,
        reason: str | None = None,
        expect: Iterable[ContentStatus] = (ContentStatus.PENDING,),
    ) -> bool:
        """Approve or reject, only from an expected status (two coordinators at once: one wins)."""
        wanted = [s.value for s in expect]
        marks = ",".join("?" * len(wanted))
        changed = await self._conn.execute(
            "UPDATE content SET status = ?, decided_by = ?, decided_name = ?, decided_at = ?,"
            f" reason = ? WHERE id = ? AND status IN ({marks})",
            (status.value, by, name, now, reason, content_id, *wanted),
        )
        return changed > 0

    async def reopen(self, content_id: int, now: float, by: int | None = None) -> None:
        """Back to the queue (an approved text edited under four eyes, by `by`)."""
        await self._conn.execute(
            "UPDATE content SET status = 'pending', decided_by = NULL, decided_name = NULL,"
            " decided_at = NULL, reason = NULL, updated_at = ?, edited_by = ? WHERE id = ?",
            (now, by, content_id),
        )

    async def set_text(self, content_id: int, text: str, url: str | None, now: float) -> None:
        await self._conn.execute(
            "UPDATE content SET text = ?, url = ?, updated_at = ? WHERE id = ?",
            (text, url, now, content_id),
        )

    async def set_variant(self, content_id: int, network: Network, text: str, now: float) -> None:
        if not text:
            await self._conn.execute(
                "DELETE FROM content_variants WHERE content_id = ? AND network = ?",
                (content_id, network.value),
            )
        else:
            await self._conn.execute(
                "INSERT INTO content_variants (content_id, network, text, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(content_id, network) DO UPDATE SET"
                " text = excluded.text, updated_at = excluded.updated_at",
                (content_id, network.value, text, now),
            )
        await self._conn.execute(
            "UPDATE content SET updated_at = ? WHERE id = ?", (now, content_id)
        )

    async def pending_by(self, member_id: int) -> int:
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM content WHERE author_member_id = ? AND status = 'pending'",
            (member_id,),
        )
        return int(row[0]) if row else 0
