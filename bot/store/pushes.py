"""Pushes, their runs, each run's social posts, share kits, and what servers told us."""

from __future__ import annotations

import json
from collections.abc import Iterable

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
from bot.store.connection import Connection, Row

_PUSH = (
    "id, content_id, targets, rule, first_at, next_at, runs_done, status, created_by,"
    " created_name, origin_platform, origin_chat_id, origin_private, lang, created_at,"
    " cancelled_at, cancelled_name"
)
_RUN = "id, push_id, number, due_at, status, fired_at, late_by, reported_at"
_TARGET = (
    "id, run_id, push_id, network, state, text, media_path, url, reason, started_at, finished_at"
)


def _push(row: Row) -> Push:
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


def _run(row: Row) -> PushRun:
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


def _target(row: Row) -> PushTarget:
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
    def __init__(self, conn: Connection) -> None:
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
        push_id = await self._conn.fetchval(
            "INSERT INTO pushes (content_id, targets, rule, first_at, next_at, created_by,"
            " created_name, origin_platform, origin_chat_id, origin_private, lang, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
        created = await self.get(int(push_id))
        assert created is not None
        return created

    async def get(self, push_id: int) -> Push | None:
        row = await self._conn.fetchone(f"SELECT {_PUSH} FROM pushes WHERE id = ?", (push_id,))
        return None if row is None else _push(row)

    async def for_content(self, content_id: int) -> list[Push]:
        rows = await self._conn.fetchall(
            f"SELECT {_PUSH} FROM pushes WHERE content_id = ? ORDER BY id", (content_id,)
        )
        return [_push(r) for r in rows]

    async def recent(self, since: float, limit: int) -> list[Push]:
        """Scheduled pushes, and those created or run since `since`, newest first."""
        rows = await self._conn.fetchall(
            f"SELECT {_PUSH} FROM pushes WHERE status = 'scheduled' OR created_at >= ?"
            " OR id IN (SELECT push_id FROM push_runs WHERE due_at >= ? OR status = 'held')"
            " ORDER BY id DESC LIMIT ?",
            (since, since, limit),
        )
        return [_push(r) for r in rows]

    async def recent_count(self, since: float) -> int:
        """How many pushes `recent` would list without its limit."""
        value = await self._conn.fetchval(
            "SELECT COUNT(*) FROM pushes WHERE status = 'scheduled' OR created_at >= ?"
            " OR id IN (SELECT push_id FROM push_runs WHERE due_at >= ? OR status = 'held')",
            (since, since),
        )
        return int(value or 0)

    async def scheduled(self) -> list[Push]:
        rows = await self._conn.fetchall(
            f"SELECT {_PUSH} FROM pushes WHERE status = 'scheduled' ORDER BY id"
        )
        return [_push(r) for r in rows]

    async def advance(self, push_id: int, next_at: float | None, now: float) -> None:
        """One more run fired (or held); `next_at` None: that was the last one."""
        await self._conn.execute(
            "UPDATE pushes SET runs_done = runs_done + 1, next_at = ?,"
            " status = CASE WHEN CAST(? AS DOUBLE PRECISION) IS NULL AND status = 'scheduled'"
            " THEN 'done' ELSE status END"
            " WHERE id = ?",
            (next_at, next_at, push_id),
        )

    async def cancel(self, push_id: int, name: str, now: float) -> bool:
        changed = await self._conn.execute(
            "UPDATE pushes SET status = 'cancelled', cancelled_at = ?, cancelled_name = ?,"
            " next_at = NULL WHERE id = ? AND status != 'cancelled'",
            (now, name, push_id),
        )
        return changed > 0

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
        run_id = await self._conn.fetchval(
            "INSERT INTO push_runs (push_id, number, due_at, status, fired_at, late_by)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (
                push_id,
                number,
                due_at,
                status.value,
                now if status is RunStatus.FIRED else None,
                late_by,
            ),
        )
        found = await self.run(int(run_id))
        assert found is not None
        return found

    async def run(self, run_id: int) -> PushRun | None:
        row = await self._conn.fetchone(f"SELECT {_RUN} FROM push_runs WHERE id = ?", (run_id,))
        return None if row is None else _run(row)

    async def runs(self, push_id: int) -> list[PushRun]:
        rows = await self._conn.fetchall(
            f"SELECT {_RUN} FROM push_runs WHERE push_id = ? ORDER BY id", (push_id,)
        )
        return [_run(r) for r in rows]

    async def held_run(self, push_id: int) -> PushRun | None:
        row = await self._conn.fetchone(
            f"SELECT {_RUN} FROM push_runs WHERE push_id = ? AND status = 'held'"
            " ORDER BY id LIMIT 1",
            (push_id,),
        )
        return None if row is None else _run(row)

    async def release_held(self, run_id: int, now: float) -> bool:
        """A held run goes out now (`push P3 now`)."""
        changed = await self._conn.execute(
            "UPDATE push_runs SET status = 'fired', fired_at = ? WHERE id = ? AND status = 'held'",
            (now, run_id),
        )
        return changed > 0

    async def hold(self, run_id: int) -> None:
        await self._conn.execute(
            "UPDATE push_runs SET status = 'held', fired_at = NULL WHERE id = ?", (run_id,)
        )

    async def drop_held(self, push_id: int) -> int:
        changed = await self._conn.execute(
            "UPDATE push_runs SET status = 'dropped' WHERE push_id = ? AND status = 'held'",
            (push_id,),
        )
        return changed

    async def mark_reported(self, run_id: int, now: float) -> bool:
        """Once per run: False when the report was already sent."""
        changed = await self._conn.execute(
            "UPDATE push_runs SET reported_at = ? WHERE id = ? AND reported_at IS NULL",
            (now, run_id),
        )
        return changed > 0

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
        if state is TargetState.QUEUED:
            self._conn.notify("pushes")
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
        rows = await self._conn.fetchall(
            f"SELECT {_TARGET} FROM push_targets WHERE run_id = ? ORDER BY id", (run_id,)
        )
        return [_target(r) for r in rows]

    async def targets_of_push(self, push_id: int) -> list[PushTarget]:
        rows = await self._conn.fetchall(
            f"SELECT {_TARGET} FROM push_targets WHERE push_id = ? ORDER BY id", (push_id,)
        )
        return [_target(r) for r in rows]

    async def target(self, target_id: int) -> PushTarget | None:
        row = await self._conn.fetchone(
            f"SELECT {_TARGET} FROM push_targets WHERE id = ?", (target_id,)
        )
        return None if row is None else _target(row)

    async def queued_networks(self) -> set[Network]:
        rows = await self._conn.fetchall(
            "SELECT DISTINCT network FROM push_targets WHERE state = 'queued'"
        )
        return {Network(r[0]) for r in rows}

    async def start_next(self, network: Network, now: float) -> PushTarget | None:
        """Mark the oldest queued post of `network` `sending` (committed before the call)."""
        row = await self._conn.fetchone(
            f"UPDATE push_targets SET state = 'sending', started_at = ? WHERE id = ("
            " SELECT id FROM push_targets WHERE network = ? AND state = 'queued'"
            f" ORDER BY id LIMIT 1) AND state = 'queued' RETURNING {_TARGET}",
            (now, network.value),
        )
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
        changed = await self._conn.execute(
            "UPDATE push_targets SET state = ?, url = ?, reason = COALESCE(?, reason),"
            " finished_at = ?"
            " WHERE id = ? AND state = 'sending'",
            (state.value, url, reason[:500] if reason else None, now, target_id),
        )
        return changed > 0

    async def interrupted(self, now: float, reason: str) -> list[PushTarget]:
        """At start: posts that were on their way when the bot died. Their fate is unknown."""
        rows = await self._conn.fetchall(
            "UPDATE push_targets SET state = 'unknown', reason = ?, finished_at = ?"
            f" WHERE state = 'sending' RETURNING {_TARGET}",
            (reason, now),
        )
        return [_target(r) for r in rows]

    async def cancel_queued(self, push_id: int, now: float) -> int:
        changed = await self._conn.execute(
            "UPDATE push_targets SET state = 'cancelled', finished_at = ?"
            " WHERE push_id = ? AND state = 'queued'",
            (now, push_id),
        )
        return changed

    async def network_times(self, network: Network, since: float) -> list[float]:
        """When posts to `network` were made (or started) since `since`: quota bookkeeping."""
        rows = await self._conn.fetchall(
            "SELECT COALESCE(started_at, created_at) FROM push_targets WHERE network = ?"
            " AND state IN ('queued', 'sending', 'sent', 'unknown')"
            " AND COALESCE(started_at, created_at) >= ?",
            (network.value, since),
        )
        return [float(r[0]) for r in rows]

    async def counts_for_content(self, content_id: int) -> dict[tuple[str, str], int]:
        """(network, state) -> posts, over every push of the content."""
        rows = await self._conn.fetchall(
            "SELECT t.network, t.state, COUNT(*) FROM push_targets t JOIN pushes p"
            " ON p.id = t.push_id WHERE p.content_id = ? GROUP BY t.network, t.state",
            (content_id,),
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}

    # --- room and channel copies (outbox rows of a run) -----------------------------------

    async def copy_counts(self, subject: str) -> dict[str, int]:
        """Outbox status -> copies of one run in rooms and channels."""
        rows = await self._conn.fetchall(
            "SELECT status, COUNT(*) FROM outbox WHERE subject = ? AND edit_of IS NULL"
            " GROUP BY status",
            (subject,),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def copy_failures(self, subject: str, limit: int = 3) -> list[tuple[str, str]]:
        """(chat, error) of a run's copies that failed."""
        rows = await self._conn.fetchall(
            "SELECT platform || ':' || address, COALESCE(last_error, '?') FROM outbox"
            " WHERE subject = ? AND status = 'failed' ORDER BY id LIMIT ?",
            (subject, limit),
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    async def skip_pending_copies(self, subject: str) -> int:
        """A cancelled run: its copies (and their videos) not yet on their way, queued or
        claimed by a delivery worker not yet cleared to send them (it drops them before
        their send). Copies cleared to go are marked so that they are skipped rather than
        sent again if they come back to the queue."""
        stopped = await self._stop_copies("subject IN (?, ?)", (subject, f"{subject}:video"))
        return len(stopped)

    async def _stop_copies(self, where: str, params: tuple[str, str]) -> list[str]:
        """Skip the copies matching `where` not yet cleared to go; mark those cleared so
        that they are skipped if they come back to the queue. The subjects skipped."""
        rows = await self._conn.fetchall(
            "UPDATE outbox SET status = 'skipped', last_error = 'push cancelled',"
            f" lease_until = NULL, lease_owner = NULL WHERE {where}"
            " AND (status = 'pending' OR (status = 'sending' AND started = 0)) RETURNING subject",
            params,
        )
        await self._conn.execute(
            f"UPDATE outbox SET started = 2 WHERE {where} AND status = 'sending'"
            " AND started = 1",
            params,
        )
        return [str(r[0]) for r in rows]

    async def stop_kits(self, run_id: int, prefix: str) -> tuple[list[int], int]:
        """A cancelled run's share kits: those not yet on their way are stopped (skipped,
        their `share_kits` row deleted) and their share tasks returned, to be dropped;
        the number of kits already out (or cleared to go), whose tasks stay."""
        low, high = prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
        stopped = await self._stop_copies("subject >= ? AND subject < ?", (low, high))
        out_rows = await self._conn.fetchall(
            "SELECT DISTINCT subject FROM outbox WHERE subject >= ? AND subject < ?"
            " AND (status = 'sent' OR parts_sent > 0 OR (status = 'sending' AND started > 0))",
            (low, high),
        )
        out = {str(r[0]) for r in out_rows}
        members = sorted({int(subject[len(prefix) :]) for subject in stopped if subject not in out})
        tasks: list[int] = []
        for member_id in members:
            row = await self._conn.fetchone(
                "DELETE FROM share_kits WHERE run_id = ? AND member_id = ? RETURNING task_id",
                (run_id, member_id),
            )
            if row is not None and row[0] is not None:
                tasks.append(int(row[0]))
        return tasks, len(out)

    async def copies_out(self, subject: str) -> tuple[int, int]:
        """A run's room and channel copies (sent, on their way): sent, or some of their
        parts out; and cleared to go by a delivery worker, whose outcome is not known yet."""
        row = await self._conn.fetchone(
            "SELECT SUM(CASE WHEN status = 'sent' OR parts_sent > 0 THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status = 'sending' AND started > 0 AND parts_sent = 0"
            " THEN 1 ELSE 0 END) FROM outbox WHERE subject = ? AND edit_of IS NULL",
            (subject,),
        )
        if row is None:
            return 0, 0
        return int(row[0] or 0), int(row[1] or 0)

    # --- share kits -----------------------------------------------------------------------

    async def subscribe_share(self, member_id: int, now: float) -> bool:
        changed = await self._conn.execute(
            "INSERT INTO share_subscribers (member_id, since) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (member_id, now),
        )
        return changed > 0

    async def unsubscribe_share(self, member_id: int) -> bool:
        changed = await self._conn.execute(
            "DELETE FROM share_subscribers WHERE member_id = ?", (member_id,)
        )
        return changed > 0

    async def shares(self, member_id: int) -> bool:
        row = await self._conn.fetchone(
            "SELECT 1 FROM share_subscribers WHERE member_id = ?", (member_id,)
        )
        return row is not None

    async def share_subscribers(self) -> list[int]:
        rows = await self._conn.fetchall(
            "SELECT member_id FROM share_subscribers ORDER BY member_id"
        )
        return [int(r[0]) for r in rows]

    async def add_sharer(self, push_id: int, member_id: int, now: float) -> bool:
        changed = await self._conn.execute(
            "INSERT INTO push_sharers (push_id, member_id, at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (push_id, member_id, now),
        )
        return changed > 0

    async def sharers(self, push_id: int) -> list[int]:
        rows = await self._conn.fetchall(
            "SELECT member_id FROM push_sharers WHERE push_id = ? ORDER BY at", (push_id,)
        )
        return [int(r[0]) for r in rows]

    async def add_kit(self, run_id: int, member_id: int, task_id: int | None, now: float) -> bool:
        changed = await self._conn.execute(
            "INSERT INTO share_kits (run_id, member_id, task_id, sent_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (run_id, member_id, task_id, now),
        )
        return changed > 0

    async def kits_for_run(self, run_id: int) -> list[int]:
        rows = await self._conn.fetchall(
            "SELECT member_id FROM share_kits WHERE run_id = ?", (run_id,)
        )
        return [int(r[0]) for r in rows]

    async def kit_counts(self, push_ids: Iterable[int]) -> tuple[int, int]:
        """(kits sent, share tasks done) over these pushes' runs."""
        dialect = self._conn.dialect
        row = await self._conn.fetchone(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END), 0)"
            " FROM share_kits k"
            " JOIN push_runs r ON r.id = k.run_id LEFT JOIN tasks t ON t.id = k.task_id"
            f" WHERE {dialect.in_int_list('r.push_id')}",
            (dialect.list_param(sorted(set(push_ids))),),
        )
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
        rows = await self._conn.fetchall("SELECT network, max_chars, max_video FROM social_limits")
        return {Network(r[0]): (r[1], r[2]) for r in rows}
