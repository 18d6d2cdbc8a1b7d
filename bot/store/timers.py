"""Timers: rows written in the transaction that promises them, fired in the one that acts."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from bot.domain.timers import Timer, TimerState
from bot.store.connection import Connection, Row

_COLUMNS = "id, kind, subject, due_at, payload, state, attempts, created_at, fired_at"


def _row(row: Row) -> Timer:
    row_id, kind, subject, due_at, payload, state, attempts, created_at, fired_at = row
    return Timer(
        id=row_id,
        kind=kind,
        subject=subject,
        due_at=due_at,
        payload=json.loads(payload),
        state=TimerState(state),
        attempts=attempts,
        created_at=created_at,
        fired_at=fired_at,
    )


class TimerRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(
        self, kind: str, subject: str, due_at: float, payload: Mapping[str, Any] | None = None
    ) -> int:
        self._conn.notify("timers")
        timer_id = await self._conn.fetchval(
            "INSERT INTO timers (kind, subject, due_at, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (kind, subject, due_at, json.dumps(dict(payload or {})), time.time()),
        )
        return int(timer_id)

    async def cancel(
        self, *, timer_id: int | None = None, subject: str | None = None, kind: str | None = None
    ) -> int:
        """Cancel one timer, or the pending timers of a subject (of one kind, if given)."""
        if timer_id is None and subject is None:
            raise ValueError("cancel needs a timer id or a subject")
        clauses = ["state = 'pending'"]
        params: list[object] = [time.time()]
        if timer_id is not None:
            clauses.append("id = ?")
            params.append(timer_id)
        if subject is not None:
            clauses.append("subject = ?")
            params.append(subject)
        if kind is not None:
            clauses.append("kind = ?")
            params.append(kind)
        where = " AND ".join(clauses)
        changed = await self._conn.execute(
            f"UPDATE timers SET state = 'cancelled', cancelled_at = ? WHERE {where}", params
        )
        return changed

    async def pending_for(self, subject: str, kind: str | None = None) -> list[Timer]:
        query = f"SELECT {_COLUMNS} FROM timers WHERE state = 'pending' AND subject = ?"
        params: list[object] = [subject]
        if kind is not None:
            query += " AND kind = ?"
            params.append(kind)
        rows = await self._conn.fetchall(query + " ORDER BY due_at, id", params)
        return [_row(r) for r in rows]

    # --- used by the scheduler -----------------------------------------------------------

    async def due_by(self, until: float, limit: int = 1_000_000) -> list[tuple[int, float]]:
        """(id, due time) of pending timers due by `until`, soonest first."""
        rows = await self._conn.fetchall(
            "SELECT id, due_at FROM timers WHERE state = 'pending' AND due_at <= ?"
            " ORDER BY due_at, id LIMIT ?",
            (until, limit),
        )
        return [(int(r[0]), float(r[1])) for r in rows]

    async def added_since(self, last_id: int) -> list[tuple[int, float]]:
        """(id, due time) of pending timers written after `last_id`."""
        rows = await self._conn.fetchall(
            "SELECT id, due_at FROM timers WHERE id > ? AND state = 'pending' ORDER BY id",
            (last_id,),
        )
        return [(int(r[0]), float(r[1])) for r in rows]

    async def last_id(self) -> int:
        row = await self._conn.fetchone("SELECT COALESCE(MAX(id), 0) FROM timers")
        return int(row[0]) if row else 0

    async def take(self, timer_id: int, now: float, early: float = 0.0) -> Timer | None:
        """Mark a due pending timer fired and return it; None if it is not (or no longer) due
        (`early`: by how much it may be taken before its time).

        Called in the transaction that runs the timer's effect: both commit, or neither.
        """
        row = await self._conn.fetchone(
            "UPDATE timers SET state = 'fired', fired_at = ?, attempts = attempts + 1"
            f" WHERE id = ? AND state = 'pending' AND due_at <= ? RETURNING {_COLUMNS}",
            (now, timer_id, now + early),
        )
        return None if row is None else _row(row)

    async def postpone(self, timer_id: int, due_at: float, error: str, max_attempts: int) -> bool:
        """A failed attempt: try again at `due_at`, or give up after `max_attempts`.

        Returns True when the timer stays pending.
        """
        changed = await self._conn.execute(
            "UPDATE timers SET attempts = attempts + 1, last_error = ?, due_at = ?,"
            " state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END"
            " WHERE id = ? AND state = 'pending'",
            (error[:500], due_at, max_attempts, timer_id),
        )
        if changed == 0:
            return False
        row = await self._conn.fetchone("SELECT state FROM timers WHERE id = ?", (timer_id,))
        return row is not None and row[0] == "pending"

    async def give_up(self, timer_id: int, error: str) -> None:
        """Never to be tried again (no handler knows its kind); kept for the record."""
        await self._conn.execute(
            "UPDATE timers SET state = 'failed', last_error = ? WHERE id = ?",
            (error[:500], timer_id),
        )

    async def purge(self, before: float, limit: int = 1_000) -> int:
        """Forget finished timers older than `before`, a batch at a time."""
        changed = await self._conn.execute(
            "DELETE FROM timers WHERE id IN (SELECT id FROM timers"
            " WHERE state != 'pending' AND created_at < ? ORDER BY id LIMIT ?)",
            (before, limit),
        )
        return changed

    async def get(self, timer_id: int) -> Timer | None:
        row = await self._conn.fetchone(f"SELECT {_COLUMNS} FROM timers WHERE id = ?", (timer_id,))
        return None if row is None else _row(row)
