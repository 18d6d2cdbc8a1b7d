"""What the network keeps about one person: all of it for `export`, none of it after `forget`,
and nothing older than the retention the operator set.

`forget` clears the columns known to name a person, then sweeps every text
column of every table (found from the schema, so tables added later are
covered too) for the person's names and ids as whole words. Their member row
stays, nameless, so that counts (alerts raised, acks, tasks done, people
brought in) do not change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.privacy import needles, scrub
from bot.store.connection import Connection, SqliteConnection
from bot.store.tables import text_columns

_SCRUB_FUNCTION = "riposte_scrub"

_NOT_PERSONAL = frozenset(
    {
        # Structure, states and keys: never a name or an id of a person.
        ("outbox", "platform"),
        ("outbox", "target_kind"),
        ("outbox", "status"),
        ("outbox", "subject"),
        ("outbox", "lease_owner"),
        ("outbox", "lang"),
        # A person's rows are deleted by address; what stays is rooms' (ids of chats and
        # of the bot's own messages).
        ("outbox", "address"),
        ("outbox", "sent_ref"),
        # Errors are about a row's own target: the person's rows are deleted.
        ("outbox", "last_error"),
        # Settings and tags, never a name: a member's own are cleared above.
        ("members", "lang"),
        ("members", "home_platform"),
        ("members", "scope"),
        ("members", "request_platform"),
        ("members", "request_chat_id"),
        ("members", "notify"),
        ("members", "tz"),
        ("identities", "unreachable_reason"),
        ("subscriptions", "tag"),
        ("room_tags", "tag"),
        ("tag_aliases", "alias"),
        ("tag_aliases", "canonical"),
        ("scope_roles", "platform"),
        ("scope_roles", "tag"),
        ("schema_migrations", "name"),
        ("schema_migrations", "checksum"),
        ("member_codes", "code_hash"),
        ("member_codes", "purpose"),
        ("invitations", "code_hash"),
        ("timers", "kind"),
        ("timers", "state"),
        ("clips", "sha256"),
        ("clips", "status"),
        ("clips", "range_key"),
        ("tasks", "status"),
        ("tasks", "kind"),
        ("members", "standing"),
        ("delivery_state", "platform"),
        ("running_instance", "owner"),
        # Names of people, cleared above by member id: another member may bear the same
        # name, and theirs must stay.
        ("members", "display_name"),
        ("identities", "display_name"),
        ("identities", "username"),
        ("identities", "user_id"),
        ("identities", "platform"),
        ("alerts", "author_name"),
        ("alert_acks", "member_name"),
        ("clips", "requester_name"),
        ("tasks", "creator_name"),
        ("tasks", "claimer_name"),
        ("tasks", "done_name"),
        ("task_events", "member_name"),
        ("content", "author_name"),
        ("content", "decided_name"),
        ("pushes", "created_name"),
        # Secrets' hashes and codes, never a name.
        ("web_logins", "token_hash"),
        ("web_sessions", "id_hash"),
        ("web_sessions", "csrf"),
        ("clip_files", "token"),
        ("short_links", "code"),
        ("delivery_minutes", "platform"),
        ("received_updates", "platform"),
        ("transport_links", "platform"),
        # Counts per scope: its triggers follow the rows the sweep changes.
        ("activity_scope_days", "scope"),
    }
)
"""Columns the free-text sweep skips: structure that never names anyone (each column swept is
a full scan, and the outbox is the biggest table), and names cleared by member id."""


def _iso(moment: float | None) -> str | None:
    return None if moment is None else datetime.fromtimestamp(moment, UTC).isoformat()


@dataclass(frozen=True, slots=True)
class Forgotten:
    deliveries_deleted: int
    rows_scrubbed: int


class PrivacyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def _rows(
        self, sql: str, params: Sequence[object] | Mapping[str, object]
    ) -> list[dict[str, Any]]:
        rows = await self._conn.fetchall(sql, params)
        return [dict(row) for row in rows]

    # -- export ------------------------------------------------------------------------------

    async def export(self, member_id: int, *, network: str, now: float) -> dict[str, Any]:
        """Everything stored about one member, as plain JSON data (times in UTC, ISO 8601).

        Other people appear by their member id only: their names are their own data.
        """
        p = {"m": member_id}
        [member] = await self._rows(
            "SELECT id, display_name, lang, standing, joined_at, created_at, home_platform,"
            " notify, tz, quiet_start, quiet_end, digest_at, sponsor_id, scope, requested_at,"
            " request_platform, decided_by, decided_at, decision_note FROM members WHERE id = :m",
            p,
        )
        identities = await self._rows(
            "SELECT platform, user_id, display_name, username, dm_reachable, unreachable_reason"
            " FROM identities WHERE member_id = :m ORDER BY rowid",
            p,
        )
        keys = [(i["platform"], i["user_id"]) for i in identities]
        data: dict[str, Any] = {
            "format": "riposte-export/1",
            "network": network,
            "generated_at": _iso(now),
            "member": {
                "id": f"M{member['id']}",
                "display_name": member["display_name"],
                "lang": member["lang"],
                "standing": member["standing"],
                "joined_at": _iso(member["joined_at"]),
                "first_seen_at": _iso(member["created_at"]),
                "joined_on": member["home_platform"],
                "came_in_through": json.loads(member["scope"] or "[]"),
                "sponsor": f"M{member['sponsor_id']}" if member["sponsor_id"] else None,
                "join_request": {
                    "at": _iso(member["requested_at"]),
                    "platform": member["request_platform"],
                    "decided_by": f"M{member['decided_by']}" if member["decided_by"] else None,
                    "decided_at": _iso(member["decided_at"]),
                    "note": member["decision_note"],
                }
                if member["requested_at"] is not None
                else None,
            },
            "notifications": {
                "notify": member["notify"] or "first platform",
                "time_zone": member["tz"],
                "quiet_hours": (
                    [member["quiet_start"], member["quiet_end"]]
                    if member["quiet_start"] is not None
                    else None
                ),
                "daily_digest_at": member["digest_at"],
            },
            "identities": [
                {
                    "platform": i["platform"],
                    "user_id": i["user_id"],
                    "display_name": i["display_name"],
                    "username": i["username"],
                    "private_messages": bool(i["dm_reachable"]),
                    "unreachable_reason": i["unreachable_reason"],
                }
                for i in identities
            ],
            "roles": [
                {"role": {10: "member", 20: "coordinator", 30: "admin"}.get(r["role"], r["role"]),
                 "scope": r["scope"] or None}
                for r in await self._rows(
                    "SELECT role, scope FROM grants WHERE member_id = :m ORDER BY role DESC, scope",
                    p,
                )
            ],
            "subscriptions": [
                r["tag"]
                for r in await self._rows(
                    "SELECT tag FROM subscriptions WHERE member_id = :m ORDER BY rowid", p
                )
            ],
            "brought_in": [
                {"id": f"M{r['id']}", "joined_at": _iso(r["joined_at"])}
                for r in await self._rows(
                    "SELECT id, joined_at FROM members WHERE sponsor_id = :m ORDER BY id", p
                )
            ],
            "invitations": [
                {
                    "id": r["id"],
                    "tags": json.loads(r["tags"] or "[]"),
                    "created_at": _iso(r["created_at"]),
                    "expires_at": _iso(r["expires_at"]),
                    "used_by": f"M{r['used_by']}" if r["used_by"] else None,
                    "used_at": _iso(r["used_at"]),
                    "revoked_at": _iso(r["revoked_at"]),
                }
                for r in await self._rows(
                    "SELECT * FROM invitations WHERE inviter_id = :m ORDER BY id", p
                )
            ],
            "alerts_raised": [
                {
                    "id": f"A{r['id']}",
                    "text": r["text"],
                    "url": r["url"],
                    "scope": json.loads(r["scope"] or "[]"),
                    "author_name": r["author_name"],
                    "platform": r["origin_platform"],
                    "where": r["origin_label"],
                    "created_at": _iso(r["created_at"]),
                    "status": r["status"],
                    "cancelled_at": _iso(r["cancelled_at"]),
                    "urgent": bool(r["urgent"]),
                }
                for r in await self._rows(
                    "SELECT * FROM alerts WHERE author_member_id = :m ORDER BY id", p
                )
            ],
            "acks": [
                {"alert": f"A{r['alert_id']}", "name": r["member_name"], "at": _iso(r["at"])}
                for r in await self._rows(
                    "SELECT alert_id, member_name, at FROM alert_acks WHERE member_id = :m"
                    " ORDER BY at",
                    p,
                )
            ],
            "tasks": [
                {
                    "id": f"T{r['id']}",
                    "kind": r["kind"],
                    "text": r["text"],
                    "alert": f"A{r['alert_id']}" if r["alert_id"] else None,
                    "status": r["status"],
                    "created_by_you": r["created_by"] == member_id,
                    "claimed_by_you": r["claimed_by"] == member_id,
                    "done_by_you": r["done_by"] == member_id,
                    "created_at": _iso(r["created_at"]),
                    "finished_at": _iso(r["finished_at"]),
                    "result": r["result_url"] or r["result_text"],
                }
                for r in await self._rows(
                    "SELECT * FROM tasks WHERE created_by = :m OR claimed_by = :m OR done_by = :m"
                    " ORDER BY id",
                    p,
                )
            ],
            "task_history": [
                {
                    "task": f"T{r['task_id']}",
                    "event": r["event"],
                    "at": _iso(r["at"]),
                    "detail": r["detail"] or None,
                }
                for r in await self._rows(
                    "SELECT task_id, event, at, detail FROM task_events WHERE member_id = :m"
                    " ORDER BY id",
                    p,
                )
            ],
            "clips_asked": [
                {
                    "id": f"K{r['id']}",
                    "url": r["url"],
                    "range": [r["range_start"], r["range_end"]],
                    "status": r["status"],
                    "title": r["title"],
                    "requested_at": _iso(r["requested_at"]),
                    "alert": f"A{r['alert_id']}" if r["alert_id"] else None,
                }
                for r in await self._rows(
                    "SELECT * FROM clips WHERE requested_by = :m ORDER BY id", p
                )
            ],
            "content_submitted": [
                {
                    "id": f"C{r['id']}",
                    "text": r["text"],
                    "url": r["url"],
                    "scope": json.loads(r["scope"] or "[]"),
                    "author_name": r["author_name"],
                    "status": r["status"],
                    "created_at": _iso(r["created_at"]),
                    "decided_at": _iso(r["decided_at"]),
                    "reason": r["reason"],
                }
                for r in await self._rows(
                    "SELECT * FROM content WHERE author_member_id = :m ORDER BY id", p
                )
            ],
            "pushes_scheduled": [
                {
                    "id": f"P{r['id']}",
                    "content": f"C{r['content_id']}",
                    "targets": json.loads(r["targets"] or "[]"),
                    "status": r["status"],
                    "created_at": _iso(r["created_at"]),
                }
                for r in await self._rows(
                    "SELECT * FROM pushes WHERE created_by = :m ORDER BY id", p
                )
            ],
            "shares": {
                "share_kits_wanted": bool(
                    await self._rows("SELECT 1 FROM share_subscribers WHERE member_id = :m", p)
                ),
                "said_they_would_share": [
                    {"push": f"P{r['push_id']}", "at": _iso(r["at"])}
                    for r in await self._rows(
                        "SELECT push_id, at FROM push_sharers WHERE member_id = :m"
                        " ORDER BY at",
                        p,
                    )
                ],
                "kits_received": [
                    {"run": r["run_id"], "task": f"T{r['task_id']}" if r["task_id"] else None,
                     "sent_at": _iso(r["sent_at"])}
                    for r in await self._rows(
                        "SELECT run_id, task_id, sent_at FROM share_kits WHERE member_id = :m"
                        " ORDER BY sent_at",
                        p,
                    )
                ],
            },
            "short_links": [
                {
                    "code": r["code"],
                    "url": r["url"],
                    "scope": json.loads(r["scope"] or "[]"),
                    "made_for": r["subject"],
                    "created_at": _iso(r["created_at"]),
                    "expires_at": _iso(r["expires_at"]),
                    "visits": int(r["visits"] or 0),
                }
                for r in await self._rows(
                    "SELECT l.*, (SELECT SUM(v.visits) FROM link_visits v"
                    " WHERE v.link_id = l.id) AS visits"
                    " FROM short_links l WHERE l.owner_id = :m ORDER BY l.id",
                    p,
                )
            ],
            "dashboard_sessions": [
                {
                    "created_at": _iso(r["created_at"]),
                    "expires_at": _iso(r["expires_at"]),
                    "ended_at": _iso(r["ended_at"]),
                    "lang": r["lang"],
                }
                for r in await self._rows(
                    "SELECT created_at, expires_at, ended_at, lang FROM web_sessions"
                    " WHERE member_id = :m ORDER BY created_at",
                    p,
                )
            ],
            "held_for_digest": [
                {"alert": f"A{r['alert_id']}", "held_at": _iso(r["held_at"])}
                for r in await self._rows(
                    "SELECT alert_id, held_at FROM held_alerts WHERE member_id = :m"
                    " ORDER BY alert_id",
                    p,
                )
            ],
            "audit_log": [
                {
                    "at": _iso(r["at"]),
                    "platform": r["platform"],
                    "user_id": r["user_id"],
                    "chat": r["chat_id"],
                    "command": r["command"],
                    "outcome": r["outcome"],
                    "detail": r["detail"] or None,
                }
                for r in await self._audit_rows(member_id, keys)
            ],
            "private_messages": await self._deliveries(keys),
        }
        return data

    async def _audit_rows(
        self, member_id: int, keys: Iterable[tuple[str, str]]
    ) -> list[dict[str, Any]]:
        rows = await self._rows(
            "SELECT * FROM audit_log WHERE member_id = ? ORDER BY id", (member_id,)
        )
        seen = {r["id"] for r in rows}
        for platform, user_id in keys:
            for row in await self._rows(
                "SELECT * FROM audit_log WHERE platform = ? AND user_id = ? ORDER BY id",
                (platform, user_id),
            ):
                if row["id"] not in seen:
                    rows.append(row)
        rows.sort(key=lambda r: int(r["id"]))
        return rows

    async def _deliveries(self, keys: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        """The messages sent (or to send) to them privately, without their text: what they
        said is in the chats already; this says what is kept, and until when."""
        found: list[dict[str, Any]] = []
        for platform, user_id in keys:
            for r in await self._rows(
                "SELECT id, platform, status, subject, created_at, sent_at FROM outbox"
                " WHERE target_kind = 'user' AND platform = ? AND address = ? AND edit_of IS NULL"
                " ORDER BY id",
                (platform, user_id),
            ):
                found.append(
                    {
                        "id": r["id"],
                        "platform": r["platform"],
                        "status": r["status"],
                        "about": r["subject"],
                        "created_at": _iso(r["created_at"]),
                        "sent_at": _iso(r["sent_at"]),
                    }
                )
        return found

    async def exports_since(self, member_id: int, since: float) -> int:
        """Exports this member asked for lately (from the audit log)."""
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM audit_log WHERE member_id = ? AND command = 'export'"
            " AND outcome = 'done' AND at > ?",
            (member_id, since),
        )
        return int(row[0]) if row else 0

    # -- forget ------------------------------------------------------------------------------

    async def forget(self, member_id: int, replacement: str, now: float) -> Forgotten:
        """Erase one person: identities, names, subscriptions, roles, settings, codes and
        what waits for them; their name becomes `replacement` in history; counts stay."""
        conn = self._conn
        m = {"m": member_id, "r": replacement}
        identities = await self._rows(
            "SELECT platform, user_id, display_name, username FROM identities"
            " WHERE member_id = :m",
            m,
        )
        keys = [(i["platform"], i["user_id"]) for i in identities]
        names: list[str | None] = [i["display_name"] for i in identities]
        names += [i["username"] for i in identities]
        for sql in (
            "SELECT display_name FROM members WHERE id = :m",
            "SELECT author_name FROM alerts WHERE author_member_id = :m",
            "SELECT member_name FROM alert_acks WHERE member_id = :m",
            "SELECT requester_name FROM clips WHERE requested_by = :m",
            "SELECT creator_name FROM tasks WHERE created_by = :m",
            "SELECT claimer_name FROM tasks WHERE claimed_by = :m",
            "SELECT done_name FROM tasks WHERE done_by = :m",
            "SELECT member_name FROM task_events WHERE member_id = :m",
            "SELECT author_name FROM content WHERE author_member_id = :m",
            "SELECT decided_name FROM content WHERE decided_by = :m",
            "SELECT created_name FROM pushes WHERE created_by = :m",
        ):
            names += [next(iter(r.values())) for r in await self._rows(sql, m)]
        private_chats: list[str | None] = [i["user_id"] for i in identities]
        for sql in (
            "SELECT request_chat_id FROM members WHERE id = :m AND request_private = 1",
            "SELECT origin_chat_id FROM alerts WHERE author_member_id = :m AND origin_private = 1",
            "SELECT origin_chat_id FROM clips WHERE requested_by = :m AND origin_private = 1",
            "SELECT origin_chat_id FROM tasks WHERE created_by = :m AND origin_private = 1",
            "SELECT claim_chat_id FROM tasks WHERE claimed_by = :m AND claim_private = 1",
            "SELECT origin_chat_id FROM content WHERE author_member_id = :m"
            " AND origin_private = 1",
            "SELECT origin_chat_id FROM pushes WHERE created_by = :m AND origin_private = 1",
        ):
            private_chats += [next(iter(r.values())) for r in await self._rows(sql, m)]
        found = needles(names, private_chats)

        # Their private messages, sent or not: the rows hold their platform ids.
        deleted = 0
        for platform, user_id in keys:
            changed = await conn.execute(
                "DELETE FROM outbox WHERE target_kind = 'user' AND platform = ? AND address = ?",
                (platform, user_id),
            )
            deleted += changed
        # History keeps what happened, under "former member".
        for sql in (
            "UPDATE alerts SET author_name = :r WHERE author_member_id = :m",
            "UPDATE alerts SET origin_chat_id = '' WHERE author_member_id = :m"
            " AND origin_private = 1",
            "UPDATE alert_acks SET member_name = :r WHERE member_id = :m",
            "UPDATE clips SET requester_name = :r WHERE requested_by = :m",
            "UPDATE clips SET origin_chat_id = '' WHERE requested_by = :m AND origin_private = 1",
            "UPDATE tasks SET creator_name = :r WHERE created_by = :m",
            "UPDATE tasks SET origin_chat_id = '' WHERE created_by = :m AND origin_private = 1",
            "UPDATE tasks SET claimer_name = :r WHERE claimed_by = :m",
            "UPDATE tasks SET claim_chat_id = '' WHERE claimed_by = :m AND claim_private = 1",
            "UPDATE tasks SET done_name = :r WHERE done_by = :m",
            "UPDATE task_events SET member_name = :r WHERE member_id = :m",
            "UPDATE content SET author_name = :r WHERE author_member_id = :m",
            "UPDATE content SET origin_chat_id = '' WHERE author_member_id = :m"
            " AND origin_private = 1",
            "UPDATE content SET decided_name = :r WHERE decided_by = :m",
            "UPDATE pushes SET created_name = :r WHERE created_by = :m",
            "UPDATE pushes SET origin_chat_id = '' WHERE created_by = :m AND origin_private = 1",
            "DELETE FROM share_subscribers WHERE member_id = :m",
            # Dashboard logins and sessions end; short links keep their visits, nameless.
            "DELETE FROM web_logins WHERE member_id = :m",
            "DELETE FROM web_sessions WHERE member_id = :m",
            "UPDATE invitations SET revoked_at = COALESCE(revoked_at, :now)"
            " WHERE inviter_id = :m AND used_by IS NULL",
            "DELETE FROM held_alerts WHERE member_id = :m",
            "DELETE FROM member_codes WHERE member_id = :m OR other_id = :m",
            "DELETE FROM grants WHERE member_id = :m",
            "DELETE FROM subscriptions WHERE member_id = :m",
            "DELETE FROM identities WHERE member_id = :m",
            # Forgotten while a member, they still count under their sponsor (the
            # cascade reads `joined_at`); someone who had left counts no more than before.
            "UPDATE members SET display_name = :r, lang = NULL, joined = 0,"
            " joined_at = CASE WHEN joined = 1 THEN joined_at END,"
            " standing = 'removed', home_platform = NULL, notify = NULL, tz = NULL,"
            " quiet_start = NULL, quiet_end = NULL, digest_at = NULL,"
            " request_platform = NULL, request_chat_id = NULL, decision_note = NULL,"
            " forgotten_at = :now WHERE id = :m",
        ):
            await conn.execute(sql, {**m, "now": now})
        # The audit log keeps what was done, not by which account.
        await conn.execute(
            "UPDATE audit_log SET user_id = '', chat_id = CASE WHEN chat_id IN"
            " (SELECT chat_id FROM rooms WHERE rooms.platform = audit_log.platform)"
            " THEN chat_id ELSE '' END WHERE member_id = :m",
            m,
        )
        for platform, user_id in keys:
            await conn.execute(
                "UPDATE audit_log SET user_id = '' WHERE platform = ? AND user_id = ?",
                (platform, user_id),
            )
        scrubbed = await self._sweep(found, replacement)
        return Forgotten(deleted, scrubbed)

    async def _sweep(self, found: Sequence[str], replacement: str) -> int:
        """Every text column of every table, the names and ids replaced as whole words."""
        if not found:
            return 0
        conn = self._conn
        likes = [f"%{_like_escape(n)}%" for n in found]
        changed_rows = 0
        if isinstance(conn, SqliteConnection):
            await conn.raw.create_function(_SCRUB_FUNCTION, 3, scrub, deterministic=True)
        needles_json = json.dumps(list(found), ensure_ascii=False)
        for table, column in await text_columns(conn):
            if (table, column) in _NOT_PERSONAL:
                continue
            where = " OR ".join(
                f'"{column}" {conn.dialect.like} ? ESCAPE \'\\\'' for _ in likes
            )
            if isinstance(conn, SqliteConnection):
                changed = await conn.execute(
                    f'UPDATE "{table}" SET "{column}" = {_SCRUB_FUNCTION}("{column}", ?, ?)'
                    f" WHERE {where}",
                    (needles_json, replacement, *likes),
                )
            else:
                # PostgreSQL runs no Python inside SQL: the rows that may hold a name are
                # read (locked), scrubbed here, and written back by their row address.
                rows = await conn.fetchall(
                    f'SELECT ctid, "{column}" FROM "{table}"'
                    f" WHERE {where} FOR UPDATE",
                    likes,
                )
                changed = 0
                for address, text in rows:
                    cleaned = scrub(text, needles_json, replacement)
                    if cleaned != text:
                        changed += await conn.execute(
                            f'UPDATE "{table}" SET "{column}" = ? WHERE ctid = ?',
                            (cleaned, address),
                        )
            changed_rows += max(changed, 0)
        return changed_rows

    # -- retention ---------------------------------------------------------------------------

    async def purge_alerts(self, before: float, limit: int = 100) -> int:
        """Alerts raised before `before`, with their acks, tasks and task history
        (foreign keys cascade); clips stay, unattached."""
        changed = await self._conn.execute(
            "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE created_at < ?"
            " ORDER BY id LIMIT ?)",
            (before, limit),
        )
        return changed

    async def purge_loose_tasks(self, before: float, limit: int = 100) -> int:
        """Tasks raised without an alert (`task` on its own) that ended before `before`,
        with their history (foreign keys cascade). Open and claimed ones are live work."""
        changed = await self._conn.execute(
            "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE alert_id IS NULL"
            " AND status IN ('done', 'dropped', 'expired')"
            " AND COALESCE(finished_at, opened_at) < ? ORDER BY id LIMIT ?)",
            (before, limit),
        )
        return changed

    async def purge_loose_clips(self, before: float, limit: int = 100) -> tuple[int, list[str]]:
        """Clips that belong to no alert, finished (archived, failed or expired) before
        `before`, that no content and no remaining task points at: their rows go, and the
        paths of the files no other clip shares, to delete once this commits."""
        rows = await self._conn.fetchall(
            "SELECT c.id, c.sha256 FROM clips c WHERE c.alert_id IS NULL"
            " AND c.status IN ('done', 'failed', 'expired')"
            " AND COALESCE(c.finished_at, c.requested_at) < ?"
            " AND NOT EXISTS (SELECT 1 FROM content k WHERE k.clip_id = c.id)"
            " AND NOT EXISTS (SELECT 1 FROM tasks t"
            "                 WHERE t.clip_id = c.id OR t.result_clip_id = c.id)"
            " ORDER BY c.id LIMIT ?",
            (before, limit),
        )
        if not rows:
            return 0, []
        ids = [int(r[0]) for r in rows]
        marks = ", ".join("?" * len(ids))
        shas = sorted({str(r[1]) for r in rows if r[1] is not None})
        paths: list[str] = []
        if shas:
            sha_marks = ", ".join("?" * len(shas))
            found = await self._conn.fetchall(
                f"SELECT DISTINCT c.path FROM clips c WHERE c.id IN ({marks})"
                " AND c.status = 'done' AND c.path IS NOT NULL"
                f" AND c.sha256 IN ({sha_marks}) AND NOT EXISTS (SELECT 1 FROM clips o"
                f"   WHERE o.sha256 = c.sha256 AND o.status = 'done' AND o.id NOT IN ({marks}))",
                (*ids, *shas, *ids),
            )
            paths = [str(r[0]) for r in found]
        changed = await self._conn.execute(f"DELETE FROM clips WHERE id IN ({marks})", ids)
        return changed, paths

    async def purge_audit(self, before: float, limit: int = 500) -> int:
        changed = await self._conn.execute(
            "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ?"
            " ORDER BY id LIMIT ?)",
            (before, limit),
        )
        return changed


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

