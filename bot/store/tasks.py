"""Tasks and their history. Every change of state is a conditional update: when two
people claim the same task at once, exactly one update matches."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from bot.domain.messages import Target, TargetKind
from bot.domain.tasks import Task, TaskEvent, TaskEventKind, TaskKind, TaskStatus
from bot.store.connection import Connection, Row

_TAKEABLE = "('open', 'expired')"
_ACTIVE = "('open', 'claimed', 'expired')"


def _task(row: Row) -> Task:
    return Task(
        id=row["id"],
        kind=TaskKind(row["kind"]),
        text=row["text"],
        alert_id=row["alert_id"],
        scope=tuple(json.loads(row["scope"])),
        status=TaskStatus(row["status"]),
        created_by=row["created_by"],
        creator_name=row["creator_name"],
        origin_platform=row["origin_platform"],
        origin_chat_id=row["origin_chat_id"],
        origin_private=bool(row["origin_private"]),
        origin_label=row["origin_label"],
        created_at=row["created_at"],
        opened_at=row["opened_at"],
        due_at=row["due_at"],
        claimed_by=row["claimed_by"],
        claimer_name=row["claimer_name"],
        claimed_at=row["claimed_at"],
        claim_platform=row["claim_platform"],
        claim_chat_id=row["claim_chat_id"],
        claim_private=bool(row["claim_private"]),
        clip_id=row["clip_id"],
        result_url=row["result_url"],
        result_clip_id=row["result_clip_id"],
        result_text=row["result_text"],
        done_by=row["done_by"],
        done_name=row["done_name"],
        finished_at=row["finished_at"],
    )


def _event(row: Row) -> TaskEvent:
    return TaskEvent(
        task_id=row["task_id"],
        at=row["at"],
        event=TaskEventKind(row["event"]),
        member_id=row["member_id"],
        member_name=row["member_name"],
        detail=row["detail"],
    )


class TaskRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def create(
        self,
        *,
        kind: TaskKind,
        text: str,
        alert_id: int | None,
        scope: Iterable[str],
        created_by: int | None,
        creator_name: str,
        origin: Target,
        origin_label: str,
        due_at: float | None,
        now: float,
    ) -> Task:
        task_id = await self._conn.fetchval(
            "INSERT INTO tasks (kind, text, alert_id, scope, created_by, creator_name,"
            " origin_platform, origin_chat_id, origin_private, origin_label, created_at,"
            " opened_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                kind.value,
                text,
                alert_id,
                json.dumps(list(scope)),
                created_by,
                creator_name,
                origin.platform,
                origin.address,
                int(origin.kind is TargetKind.USER),
                origin_label,
                now,
                now,
                due_at,
            ),
        )
        task = await self.get(int(task_id))
        assert task is not None
        await self.add_event(task.id, TaskEventKind.CREATED, created_by, creator_name, now)
        return task

    async def get(self, task_id: int) -> Task | None:
        row = await self._conn.fetchone("SELECT * FROM tasks WHERE id = ?", (task_id,))
        return None if row is None else _task(row)

    async def many(self, task_ids: Iterable[int]) -> list[Task]:
        """These tasks, in the order of the ids given (unknown ids left out)."""
        wanted = list(task_ids)
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = await self._conn.fetchall(
            f"SELECT * FROM tasks WHERE id IN ({marks})", wanted
        )
        found = {row["id"]: _task(row) for row in rows}
        return [found[i] for i in wanted if i in found]

    async def for_alert(self, alert_id: int) -> list[Task]:
        rows = await self._conn.fetchall(
            "SELECT * FROM tasks WHERE alert_id = ? ORDER BY id", (alert_id,)
        )
        return [_task(r) for r in rows]

    async def claimers_for_alert(self, alert_id: int) -> frozenset[int]:
        """Who holds one of the alert's tasks, or held one until it was done."""
        rows = await self._conn.fetchall(
            "SELECT DISTINCT claimed_by FROM tasks WHERE alert_id = ?"
            " AND status IN ('claimed', 'done') AND claimed_by IS NOT NULL",
            (alert_id,),
        )
        return frozenset(int(r[0]) for r in rows)

    async def takeable(self, limit: int = 500) -> list[Task]:
        """Open and expired tasks, oldest first: what `next` and `tasks open` choose from."""
        rows = await self._conn.fetchall(
            f"SELECT * FROM tasks WHERE status IN {_TAKEABLE} ORDER BY id LIMIT ?", (limit,)
        )
        return [_task(r) for r in rows]

    async def held_by(self, member_id: int) -> list[Task]:
        rows = await self._conn.fetchall(
            "SELECT * FROM tasks WHERE claimed_by = ? AND status = 'claimed' ORDER BY id",
            (member_id,),
        )
        return [_task(r) for r in rows]

    async def finished_by(self, member_id: int, limit: int) -> list[Task]:
        rows = await self._conn.fetchall(
            "SELECT * FROM tasks WHERE done_by = ? AND status = 'done'"
            " ORDER BY finished_at DESC LIMIT ?",
            (member_id, limit),
        )
        return [_task(r) for r in rows]

    async def open_created_by(self, member_id: int) -> int:
        row = await self._conn.fetchone(
            f"SELECT COUNT(*) FROM tasks WHERE created_by = ? AND status IN {_ACTIVE}",
            (member_id,),
        )
        return int(row[0]) if row else 0

    async def waiting_for_clip(self, clip_id: int) -> list[Task]:
        """Tasks this clip completes once archived: still held by whoever linked it (a
        release unlinks it; see `release`)."""
        rows = await self._conn.fetchall(
            "SELECT * FROM tasks WHERE clip_id = ? AND status = 'claimed' ORDER BY id",
            (clip_id,),
        )
        return [_task(r) for r in rows]

    async def releases_since(self, member_id: int, since: float) -> int:
        """How many tasks this member let go of since `since` (claim-and-drop flapping)."""
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM task_events WHERE member_id = ? AND event = 'released'"
            " AND at >= ?",
            (member_id, since),
        )
        return int(row[0]) if row else 0

    async def releasers(self, task_id: int) -> set[int]:
        """Members who gave this task up (by `drop`, or by not answering)."""
        rows = await self._conn.fetchall(
            "SELECT DISTINCT member_id FROM task_events WHERE task_id = ? AND event = 'released'"
            " AND member_id IS NOT NULL",
            (task_id,),
        )
        return {int(r[0]) for r in rows}

    async def released_by(self, member_id: int) -> set[int]:
        """Tasks this member gave up: `next` does not hand them back."""
        rows = await self._conn.fetchall(
            "SELECT DISTINCT task_id FROM task_events WHERE member_id = ? AND event = 'released'",
            (member_id,),
        )
        return {int(r[0]) for r in rows}

    # --- changes of state: each is conditional, and says whether it happened ----------

    async def claim(
        self, task_id: int, member_id: int, name: str, where: Target, now: float
    ) -> bool:
        """Take a task that nobody holds. False: someone was faster, or it is finished."""
        return await self._hold(task_id, member_id, name, where, now, _TAKEABLE)

    async def assign(
        self, task_id: int, member_id: int, name: str, where: Target | None, now: float
    ) -> bool:
        """Give an unfinished task to someone, whoever held it."""
        return await self._hold(task_id, member_id, name, where, now, _ACTIVE)

    async def _hold(
        self,
        task_id: int,
        member_id: int,
        name: str,
        where: Target | None,
        now: float,
        statuses: str,
    ) -> bool:
        changed = await self._conn.execute(
            "UPDATE tasks SET status = 'claimed', claimed_by = ?, claimer_name = ?,"
            " claimed_at = ?, claim_platform = ?, claim_chat_id = ?, claim_private = ?"
            f" WHERE id = ? AND status IN {statuses}",
            (
                member_id,
                name,
                now,
                where.platform if where else None,
                where.address if where else None,
                int(where is not None and where.kind is TargetKind.USER),
                task_id,
            ),
        )
        return changed > 0

    async def renew_claim(self, task_id: int, member_id: int, now: float) -> bool:
        """The claimer is still on it: their claim counts from now (a pending release no
        longer matches it)."""
        changed = await self._conn.execute(
            "UPDATE tasks SET claimed_at = ? WHERE id = ? AND status = 'claimed'"
            " AND claimed_by = ?",
            (now, task_id, member_id),
        )
        return changed > 0

    async def release(
        self, task_id: int, now: float, *, claimer: int, claimed_at: float | None = None
    ) -> bool:
        """Back to open (escalation counts again from now), if `claimer` still holds it
        (and, when given, still under the same claim)."""
        query = (
            "UPDATE tasks SET status = 'open', opened_at = ?, claimed_by = NULL,"
            " claimer_name = NULL, claimed_at = NULL, claim_platform = NULL,"
            " claim_chat_id = NULL, claim_private = 0, clip_id = NULL"
            " WHERE id = ? AND status = 'claimed' AND claimed_by = ?"
        )
        params: list[object] = [now, task_id, claimer]
        if claimed_at is not None:
            query += " AND claimed_at = ?"
            params.append(claimed_at)
        changed = await self._conn.execute(query, params)
        return changed > 0

    async def expire(self, task_id: int) -> bool:
        changed = await self._conn.execute(
            "UPDATE tasks SET status = 'expired' WHERE id = ? AND status = 'open'", (task_id,)
        )
        return changed > 0

    async def finish(
        self,
        task_id: int,
        status: TaskStatus,
        *,
        member_id: int | None,
        name: str | None,
        now: float,
        result_url: str | None = None,
        result_clip_id: int | None = None,
        result_text: str | None = None,
    ) -> bool:
        """Done or dropped, for good."""
        if status not in (TaskStatus.DONE, TaskStatus.DROPPED):
            raise ValueError(f"{status} is not a final status")
        changed = await self._conn.execute(
            "UPDATE tasks SET status = ?, done_by = ?, done_name = ?, finished_at = ?,"
            " result_url = ?, result_clip_id = ?, result_text = ?"
            f" WHERE id = ? AND status IN {_ACTIVE}",
            (
                status.value,
                member_id,
                name,
                now,
                result_url,
                result_clip_id,
                result_text,
                task_id,
            ),
        )
        return changed > 0

    async def link_clip(self, task_id: int, clip_id: int) -> None:
        await self._conn.execute("UPDATE tasks SET clip_id = ? WHERE id = ?", (clip_id, task_id))

    async def drop_unfinished(self, task_ids: Sequence[int], now: float) -> list[int]:
        """Those of these tasks not finished yet are dropped. Returns their ids."""
        dropped: list[int] = []
        for task_id in task_ids:
            row = await self._conn.fetchone(
                f"UPDATE tasks SET status = 'dropped', finished_at = ? WHERE id = ?"
                f" AND status IN {_ACTIVE} RETURNING id",
                (now, task_id),
            )
            if row is not None:
                dropped.append(int(row[0]))
        return dropped

    async def drop_for_alert(self, alert_id: int, now: float) -> list[int]:
        """The alert was cancelled: its unfinished tasks are dropped. Returns their ids."""
        rows = await self._conn.fetchall(
            f"UPDATE tasks SET status = 'dropped', finished_at = ? WHERE alert_id = ?"
            f" AND status IN {_ACTIVE} RETURNING id",
            (now, alert_id),
        )
        return sorted(int(r[0]) for r in rows)

    # --- history ---------------------------------------------------------------------

    async def add_event(
        self,
        task_id: int,
        event: TaskEventKind,
        member_id: int | None,
        member_name: str | None,
        at: float,
        detail: str = "",
    ) -> None:
        await self._conn.execute(
            "INSERT INTO task_events (task_id, at, event, member_id, member_name, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (task_id, at, event.value, member_id, member_name, detail[:500]),
        )

    async def events(self, task_id: int) -> list[TaskEvent]:
        rows = await self._conn.fetchall(
            "SELECT * FROM task_events WHERE task_id = ? ORDER BY id", (task_id,)
        )
        return [_event(r) for r in rows]

    async def events_for_alert(self, alert_id: int) -> list[TaskEvent]:
        rows = await self._conn.fetchall(
            "SELECT e.* FROM task_events e JOIN tasks t ON t.id = e.task_id"
            " WHERE t.alert_id = ? ORDER BY e.at, e.id",
            (alert_id,),
        )
        return [_event(r) for r in rows]
