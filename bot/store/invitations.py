"""Invitation codes: minted by members, used once, stored as a hash of the code."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from bot.domain.membership import Invitation
from bot.store.connection import Connection, Row


def _invitation(row: Row) -> Invitation:
    return Invitation(
        id=row["id"],
        inviter_id=row["inviter_id"],
        tags=tuple(json.loads(row["tags"] or "[]")),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_by=row["used_by"],
        used_at=row["used_at"],
        revoked_at=row["revoked_at"],
    )


class InvitationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def create(
        self,
        inviter_id: int,
        code_hashes: Iterable[str],
        tags: Iterable[str],
        *,
        expires_at: float,
        created_at: float | None = None,
    ) -> int:
        tags_json = json.dumps(list(tags))
        now = time.time() if created_at is None else created_at
        rows = [(digest, inviter_id, tags_json, now, expires_at) for digest in code_hashes]
        await self._conn.executemany(
            "INSERT INTO invitations (code_hash, inviter_id, tags, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    async def find(self, code_hash: str) -> Invitation | None:
        row = await self._conn.fetchone(
            "SELECT * FROM invitations WHERE code_hash = ?", (code_hash,)
        )
        return None if row is None else _invitation(row)

    async def use(self, invitation_id: int, member_id: int) -> bool:
        """Spend the code; False when someone spent it first (it is single-use), or it was
        revoked or expired meanwhile."""
        now = time.time()
        changed = await self._conn.execute(
            "UPDATE invitations SET used_by = ?, used_at = ?"
            " WHERE id = ? AND used_by IS NULL AND revoked_at IS NULL AND expires_at > ?",
            (member_id, now, invitation_id, now),
        )
        return changed == 1

    async def used_count(self, inviter_id: int) -> int:
        """Codes of this inviter that brought someone in."""
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM invitations WHERE inviter_id = ? AND used_by IS NOT NULL",
            (inviter_id,),
        )
        return int(row[0]) if row else 0

    async def in_use(self, inviter_id: int, now: float) -> int:
        """Codes that count against the inviter's cap: used ones and those still open."""
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM invitations WHERE inviter_id = ? AND revoked_at IS NULL"
            " AND (used_by IS NOT NULL OR expires_at > ?)",
            (inviter_id, now),
        )
        return int(row[0]) if row else 0

    async def open_count(self, inviter_id: int, now: float) -> int:
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM invitations WHERE inviter_id = ? AND used_by IS NULL"
            " AND revoked_at IS NULL AND expires_at > ?",
            (inviter_id, now),
        )
        return int(row[0]) if row else 0

    async def revoke_unused(self, inviter_id: int) -> int:
        changed = await self._conn.execute(
            "UPDATE invitations SET revoked_at = ?"
            " WHERE inviter_id = ? AND used_by IS NULL AND revoked_at IS NULL",
            (time.time(), inviter_id),
        )
        return changed
