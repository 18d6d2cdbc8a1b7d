"""Pushes, their runs, each run's social posts, share kits, and what servers told us."""

from __future__ import annotations

import json
from collections.abc import Iterable

import aiosqlite

from bot.domain.content import Network
from bot.domain.messages import Target, TargetKind
from bot.domain.pushes import (
    Push,
    PushRun,
    PushStatus,
    PushTarget,
    Rule,
    RunStatus,
    Targets,
    TargetState,
)

_PUSH = (
    "id, content_id, targets, rule, first_at, next_at, runs_done, status, created_by,"
    " created_name, origin_platform, origin_chat_id, origin_private, lang, created_at,"
    " cancelled_at, cancelled_name"
)
_RUN = "id, push_id, number, due_at, status, fired_at, late_by, reported_at"
_TARGET = (
    "id, run_id, push_id, network, state, text, media_path, url, reason, started_at, finished_at"
)


def _push(row: aiosqlite.Row) -> Push:
    return Push(
        id=row[0],
        content_id=row[1],
        targets=Targets.from_json(json.loads(row[2])),
        rule=Rule.from_json(json.loads(row[3])),
        first_at=row[4],
        next_at=row[5],
        runs_done=row[6],
        status=PushStatus(row[7]),
        created_by=row[8],
        created_name=row[9],
        origin_platform=row[10],
        origin_chat_id=row[11],
        origin_private=bool(row[12]),
        lang=row[13],
        created_at=row[14],
        cancelled_at=row[15],
        cancelled_name=row[16],
    )


def _run(row: aiosqlite.Row) -> PushRun:
    return PushRun(
        id=row[0],
        push_id=row[1],
        number=row[2],
        due_at=row[3],
        status=RunStatus(row[4]),
        fired_at=row[5],
        late_by=row[6],
        reported_at=row[7],
    )


def _target(row: aiosqlite.Row) -> PushTarget:
    return PushTarget(
        id=row[0],
        run_id=row[1],
        push_id=row[2],
        network=Network(row[3]),
        state=TargetState(row[4]),
        text=row[5],
        media_path=row[6],
        url=row[7],
        reason=row[8],
        started_at=row[9],
        finished_at=row[10],
    )


class PushRepository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    # --- pushes ---------------------------------------------------------------------------

    async def create(
        self,
        *,
        content_id: int,
        targets: Targets,
        rule: Rule,
        first_at: float,
        created_by: int,
        created_name: str,
        origin: Target,
        lang: str | None,
        now: float,
    ) -> Push:
        cur = await self._conn.execute(
            "INSERT INTO pushes (content_id, targets, rule, first_at, next_at, created_by,"
            " created_name, origin_platform, origin_chat_id, origin_private, lang, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                content_id,
                json.dumps(targets.to_json()),
                json.dumps(rule.to_json()),
                first_at,
                first_at,
                created_by,
                created_name,
                origin.platform,
                origin.address,
                int(origin.kind is TargetKind.USER),
                lang,
                now,
            ),
        )
        created = await self.get(int(cur.lastrowid or 0))
        assert created is not None
        return created

    async def get(self, push_id: int) -> Push | None:
        async with self._conn.execute(f"SELECT {_PUSH} FROM pushes WHERE id = ?", (push_id,)) as c:
            row = await c.fetchone()
        return None if row is None else _push(row)

    async def for_content(self, content_id: int) -> list[Push]:
        async with self._conn.execute(
            f"SELECT {_PUSH} FROM pushes WHERE content_id = ? ORDER BY id", (content_id,)
        ) as cur:
            return [_push(r) for r in await cur.fetchall()]

    async def recent(self, since: float, limit: int) -> list[Push]:
        """Scheduled pushes, and those created or run since `since`, newest first."""
        async with self._conn.execute(
            f"SELECT {_PUSH} FROM pushes WHERE status = 'scheduled' OR created_at >= ?"
            " OR id IN (SELECT push_id FROM push_runs WHERE due_at >= ? OR status = 'held')"
            " ORDER BY id DESC LIMIT ?",
            (since, since, limit),
        ) as cur:
            return [_push(r) for r in await cur.fetchall()]

    async def scheduled(self) -> list[Push]:
        async with self._conn.execute(
            f"SELECT {_PUSH} FROM pushes WHERE status = 'scheduled' ORDER BY id"
        ) as cur:
            return [_push(r) for r in await cur.fetchall()]

    async def advance(self, push_id: int, next_at: float | None, now: float) -> None:
        """One more run fired (or held); `next_at` None: that was the last one."""
        await self._conn.execute(
            "UPDATE pushes SET runs_done = runs_done + 1, next_at = ?,"
            " status = CASE WHEN ? IS NULL AND status = 'scheduled' THEN 'done' ELSE status END"
            " WHERE id = ?",
            (next_at, next_at, push_id),
        )

    async def cancel(self, push_id: int, name: str, now: float) -> bool:
        cur = await self._conn.execute(
            "UPDATE pushes SET status = 'cancelled', cancelled_at = ?, cancelled_name = ?,"
            " next_at = NULL WHERE id = ? AND status != 'cancelled'",
            (now, name, push_id),
        )
        return cur.rowcount > 0

    # --- runs -----------------------------------------------------------------------------

    async def add_run(
        self,
        push_id: int,
        number: int,
        due_at: float,
        status: RunStatus,
        now: float,
        late_by: float,
    ) -> PushRun:
        cur = await self._conn.execute(
            "INSERT INTO push_runs (push_id, number, due_at, status, fired_at, late_by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                push_id,
                number,
                due_at,
                status.value,
                now if status is RunStatus.FIRED else None,
                late_by,
            ),
        )
        found = await self.run(int(cur.lastrowid or 0))
        assert found is not None
        return found

    async def run(self, run_id: int) -> PushRun | None:
        async with self._conn.execute(f"SELECT {_RUN} FROM push_runs WHERE id = ?", (run_id,)) as c:
            row = await c.fetchone()
        return None if row is None else _run(row)

    async def runs(self, push_id: int) -> list[PushRun]:
        async with self._conn.execute(
            f"SELECT {_RUN} FROM push_runs WHERE push_id = ? ORDER BY id", (push_id,)
        ) as cur:
            return [_run(r) for r in await cur.fetchall()]

    async def held_run(self, push_id: int) -> PushRun | None:
        async with self._conn.execute(
            f"SELECT {_RUN} FROM push_runs WHERE push_id = ? AND status = 'held'"
            " ORDER BY id LIMIT 1",
            (push_id,),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _run(row)

    async def release_held(self, run_id: int, now: float) -> bool:
        """A held run goes out now (`push P3 now`)."""
        cur = await self._conn.execute(
            "UPDATE push_runs SET status = 'fired', fired_at = ? WHERE id = ? AND status = 'held'",
            (now, run_id),
        )
        return cur.rowcount > 0

    async def hold(self, run_id: int) -> None:
        await self._conn.execute(
            "UPDATE push_runs SET status = 'held', fired_at = NULL WHERE id = ?", (run_id,)
        )

    async def drop_held(self, push_id: int) -> int:
        cur = await self._conn.execute(
            "UPDATE push_runs SET status = 'dropped' WHERE push_id = ? AND status = 'held'",
            (push_id,),
        )
        return cur.rowcount

    async def mark_reported(self, run_id: int, now: float) -> bool:
        """Once per run: False when the report was already sent."""
        cur = await self._conn.execute(
            "UPDATE push_runs SET reported_at = ? WHERE id = ? AND reported_at IS NULL",
            (now, run_id),
        )
        return cur.rowcount > 0

    # --- social targets -------------------------------------------------------------------

    async def add_target(
        self,
        run: PushRun,
        network: Network,
        text: str,
        media_path: str | None,
        now: float,
        *,
        state: TargetState = TargetState.QUEUED,
        reason: str | None = None,
    ) -> None:
        """A post to make (queued), or one refused before any call (failed, with why).
        `reason` on a queued post is a note kept with its outcome (a clip left out)."""
        await self._conn.execute(
            "INSERT INTO push_targets (run_id, push_id, network, state, text, media_path,"
            " reason, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run.id,
                run.push_id,
                network.value,
                state.value,
                text,
                media_path,
                reason,
                now,
                None if state is TargetState.QUEUED else now,
            ),
        )

    async def targets(self, run_id: int) -> list[PushTarget]:
        async with self._conn.execute(
            f"SELECT {_TARGET} FROM push_targets WHERE run_id = ? ORDER BY id", (run_id,)
        ) as cur:
            return [_target(r) for r in await cur.fetchall()]

    async def targets_of_push(self, push_id: int) -> list[PushTarget]:
        async with self._conn.execute(
            f"SELECT {_TARGET} FROM push_targets WHERE push_id = ? ORDER BY id", (push_id,)
        ) as cur:
            return [_target(r) for r in await cur.fetchall()]

    async def target(self, target_id: int) -> PushTarget | None:
        async with self._conn.execute(
            f"SELECT {_TARGET} FROM push_targets WHERE id = ?", (target_id,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _target(row)

    async def queued_networks(self) -> set[Network]:
        async with self._conn.execute(
            "SELECT DISTINCT network FROM push_targets WHERE state = 'queued'"
        ) as cur:
            return {Network(r[0]) for r in await cur.fetchall()}

    async def start_next(self, network: Network, now: float) -> PushTarget | None:
        """Mark the oldest queued post of `network` `sending` (committed before the call)."""
        async with self._conn.execute(
            f"UPDATE push_targets SET state = 'sending', started_at = ? WHERE id = ("
            " SELECT id FROM push_targets WHERE network = ? AND state = 'queued'"
            f" ORDER BY id LIMIT 1) AND state = 'queued' RETURNING {_TARGET}",
            (now, network.value),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _target(row)

    async def finish(
        self,
        target_id: int,
        state: TargetState,
        now: float,
        *,
        url: str | None = None,
        reason: str | None = None,
    ) -> bool:
        """The outcome of a post that was `sending`."""
        cur = await self._conn.execute(
            "UPDATE push_targets SET state = ?, url = ?, reason = COALESCE(?, reason),"
            " finished_at = ?"
            " WHERE id = ? AND state = 'sending'",
            (state.value, url, reason[:500] if reason else None, now, target_id),
        )
        return cur.rowcount > 0

    async def interrupted(self, now: float, reason: str) -> list[PushTarget]:
        """At start: posts that were on their way when the bot died. Their fate is unknown."""
        async with self._conn.execute(
            "UPDATE push_targets SET state = 'unknown', reason = ?, finished_at = ?"
            f" WHERE state = 'sending' RETURNING {_TARGET}",
            (reason, now),
        ) as cur:
            return [_target(r) for r in await cur.fetchall()]

    async def cancel_queued(self, push_id: int, now: float) -> int:
        cur = await self._conn.execute(
            "UPDATE push_targets SET state = 'cancelled', finished_at = ?"
            " WHERE push_id = ? AND state = 'queued'",
            (now, push_id),
        )
        return cur.rowcount

    async def network_times(self, network: Network, since: float) -> list[float]:
        """When posts to `network` were made (or started) since `since`: quota bookkeeping."""
        async with self._conn.execute(
            "SELECT COALESCE(started_at, created_at) FROM push_targets WHERE network = ?"
            " AND state IN ('queued', 'sending', 'sent', 'unknown')"
            " AND COALESCE(started_at, created_at) >= ?",
            (network.value, since),
        ) as cur:
            return [float(r[0]) for r in await cur.fetchall()]

    async def counts_for_content(self, content_id: int) -> dict[tuple[str, str], int]:
        """(network, state) -> posts, over every push of the content."""
        async with self._conn.execute(
            "SELECT t.network, t.state, COUNT(*) FROM push_targets t JOIN pushes p"
            " ON p.id = t.push_id WHERE p.content_id = ? GROUP BY t.network, t.state",
            (content_id,),
        ) as cur:
            return {(r[0], r[1]): int(r[2]) for r in await cur.fetchall()}

    # --- room and channel copies (outbox rows of a run) -----------------------------------

    async def copy_counts(self, subject: str) -> dict[str, int]:
        """Outbox status -> copies of one run in rooms and channels."""
        async with self._conn.execute(
            "SELECT status, COUNT(*) FROM outbox WHERE subject = ? AND edit_of IS NULL"
            " GROUP BY status",
            (subject,),
        ) as cur:
            return {str(r[0]): int(r[1]) for r in await cur.fetchall()}

    async def copy_failures(self, subject: str, limit: int = 3) -> list[tuple[str, str]]:
        """(chat, error) of a run's copies that failed."""
        async with self._conn.execute(
            "SELECT platform || ':' || address, COALESCE(last_error, '?') FROM outbox"
            " WHERE subject = ? AND status = 'failed' ORDER BY id LIMIT ?",
            (subject, limit),
        ) as cur:
            return [(str(r[0]), str(r[1])) for r in await cur.fetchall()]

    async def skip_pending_copies(self, subject: str) -> int:
        """A cancelled run: its copies (and their videos) not yet handed to a platform."""
        cur = await self._conn.execute(
            "UPDATE outbox SET status = 'skipped', last_error = 'push cancelled'"
            " WHERE subject IN (?, ?) AND status = 'pending'",
            (subject, f"{subject}:video"),
        )
        return cur.rowcount

    async def copies_out(self, subject: str) -> int:
        async with self._conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE subject = ? AND edit_of IS NULL"
            " AND status IN ('sending', 'sent')",
            (subject,),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # --- share kits -----------------------------------------------------------------------

    async def subscribe_share(self, member_id: int, now: float) -> bool:
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO share_subscribers (member_id, since) VALUES (?, ?)",
            (member_id, now),
        )
        return cur.rowcount > 0

    async def unsubscribe_share(self, member_id: int) -> bool:
        cur = await self._conn.execute(
            "DELETE FROM share_subscribers WHERE member_id = ?", (member_id,)
        )
        return cur.rowcount > 0

    async def shares(self, member_id: int) -> bool:
        async with self._conn.execute(
            "SELECT 1 FROM share_subscribers WHERE member_id = ?", (member_id,)
        ) as cur:
            return await cur.fetchone() is not None

    async def share_subscribers(self) -> list[int]:
        async with self._conn.execute(
            "SELECT member_id FROM share_subscribers ORDER BY member_id"
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    async def add_sharer(self, push_id: int, member_id: int, now: float) -> bool:
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO push_sharers (push_id, member_id, at) VALUES (?, ?, ?)",
            (push_id, member_id, now),
        )
        return cur.rowcount > 0

    async def sharers(self, push_id: int) -> list[int]:
        async with self._conn.execute(
            "SELECT member_id FROM push_sharers WHERE push_id = ? ORDER BY at", (push_id,)
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    async def add_kit(self, run_id: int, member_id: int, task_id: int | None, now: float) -> bool:
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO share_kits (run_id, member_id, task_id, sent_at)"
            " VALUES (?, ?, ?, ?)",
            (run_id, member_id, task_id, now),
        )
        return cur.rowcount > 0

    async def kits_for_run(self, run_id: int) -> list[int]:
        async with self._conn.execute(
            "SELECT member_id FROM share_kits WHERE run_id = ?", (run_id,)
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    async def kit_counts(self, push_ids: Iterable[int]) -> tuple[int, int]:
        """(kits sent, share tasks done) over these pushes' runs."""
        ids = json.dumps(sorted(set(push_ids)))
        async with self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(t.status = 'done'), 0) FROM share_kits k"
            " JOIN push_runs r ON r.id = k.run_id LEFT JOIN tasks t ON t.id = k.task_id"
            " WHERE r.push_id IN (SELECT value FROM json_each(?))",
            (ids,),
        ) as cur:
            row = await cur.fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    # --- what servers said ----------------------------------------------------------------

    async def set_limits(
        self, network: Network, max_chars: int | None, max_video: int | None, now: float
    ) -> None:
        await self._conn.execute(
            "INSERT INTO social_limits (network, max_chars, max_video, fetched_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(network) DO UPDATE SET max_chars ="
            " excluded.max_chars, max_video = excluded.max_video, fetched_at = excluded.fetched_at",
            (network.value, max_chars, max_video, now),
        )

    async def limits(self) -> dict[Network, tuple[int | None, int | None]]:
        async with self._conn.execute(
            "SELECT network, max_chars, max_video FROM social_limits"
        ) as cur:
            return {Network(r[0]): (r[1], r[2]) for r in await cur.fetchall()}
