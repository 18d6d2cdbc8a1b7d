"""One person across platforms: one-time codes, merging two members, detaching an identity,
and where and when private notifications go."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.quiet import NOTIFY_ALL, QuietWindow
from bot.store.connection import Connection
from bot.store.tables import member_references

_OWN_REFERENCES = ("sponsor_id", "decided_by")
"""Columns of `members` pointing at members: handled apart (a member is not their own sponsor)."""


@dataclass(frozen=True, slots=True)
class MemberCode:
    id: int
    purpose: str
    member_id: int
    other_id: int | None
    created_at: float
    expires_at: float
    used_at: float | None


class IdentityRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- one-time codes ----------------------------------------------------------------------

    async def add_code(
        self,
        purpose: str,
        member_id: int,
        code_hash: str,
        *,
        now: float,
        expires_at: float,
        other_id: int | None = None,
    ) -> None:
        """A new code; the member's earlier open codes of the same purpose stop working."""
        await self._conn.execute(
            "UPDATE member_codes SET used_at = ? WHERE member_id = ? AND purpose = ?"
            " AND used_at IS NULL AND other_id IS ?",
            (now, member_id, purpose, other_id),
        )
        await self._conn.execute(
            "INSERT INTO member_codes (code_hash, purpose, member_id, other_id, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (code_hash, purpose, member_id, other_id, now, expires_at),
        )

    async def find_code(self, code_hash: str, purpose: str) -> MemberCode | None:
        row = await self._conn.fetchone(
            "SELECT id, purpose, member_id, other_id, created_at, expires_at, used_at"
            " FROM member_codes WHERE code_hash = ? AND purpose = ?",
            (code_hash, purpose),
        )
        return None if row is None else MemberCode(*row)

    async def use_code(self, code_id: int, now: float) -> bool:
        """Spend a code; False when it was spent first (single use)."""
        changed = await self._conn.execute(
            "UPDATE member_codes SET used_at = ? WHERE id = ? AND used_at IS NULL", (now, code_id)
        )
        return changed == 1

    async def purge_codes(self, before: float, limit: int = 500) -> int:
        """Forget codes that expired before `before` (used or not), a batch at a time."""
        changed = await self._conn.execute(
            "DELETE FROM member_codes WHERE id IN (SELECT id FROM member_codes"
            " WHERE expires_at < ? ORDER BY id LIMIT ?)",
            (before, limit),
        )
        return changed

    # -- linking -----------------------------------------------------------------------------

    async def merge(self, survivor: int, absorbed: int) -> None:
        """Fold member `absorbed` into `survivor`; the absorbed row is deleted.

        Every column that points at members (found from the schema's foreign
        keys, so tables added later follow) is moved over. Where a row would
        then exist twice (the same alert acknowledged from both identities,
        the same subscription, the same role), one is kept: the earliest ack,
        and within each scope the higher role. Counts come from these rows, so
        nothing is lost and nothing is counted twice.
        """
        s, a = survivor, absorbed
        conn = self._conn
        # The earliest of two acks of one alert is the one that counts for the clock.
        await conn.execute(
            "UPDATE alert_acks SET at = (SELECT MIN(x.at) FROM alert_acks x"
            "  WHERE x.alert_id = alert_acks.alert_id AND x.member_id IN (?, ?)),"
            " member_name = COALESCE((SELECT x.member_name FROM alert_acks x"
            "  WHERE x.alert_id = alert_acks.alert_id AND x.member_id IN (?, ?)"
            "  ORDER BY x.at LIMIT 1), member_name)"
            " WHERE member_id = ? AND alert_id IN (SELECT alert_id FROM alert_acks"
            "  WHERE member_id = ?)",
            (s, a, s, a, s, a),
        )
        for table, column in await member_references(conn):
            if table == "members" and column in _OWN_REFERENCES:
                continue
            # OR IGNORE: a row that would be a duplicate stays with the absorbed member
            # and goes with its row below (cascade), or loses its pointer (set null).
            await conn.update_or_ignore(table, column, s, a)
        await conn.execute("UPDATE audit_log SET member_id = ? WHERE member_id = ?", (s, a))
        dialect = conn.dialect
        await conn.execute(
            f"UPDATE timers SET payload = {dialect.json_with_int('payload', 'claimer')}"
            f" WHERE state = 'pending' AND {dialect.json_int_equals('payload', 'claimer')}",
            (s, a),
        )
        # Within each scope the higher role wins.
        await conn.execute(
            "DELETE FROM grants WHERE member_id = ? AND EXISTS (SELECT 1 FROM grants g"
            " WHERE g.member_id = grants.member_id AND g.scope = grants.scope"
            " AND g.role > grants.role)",
            (s,),
        )
        # The survivor keeps its own sponsor, or takes the absorbed one's; people either
        # brought in now count for the survivor; nobody sponsors themselves.
        await conn.execute(
            "UPDATE members SET sponsor_id = COALESCE(sponsor_id,"
            " (SELECT sponsor_id FROM members WHERE id = ?)) WHERE id = ?",
            (a, s),
        )
        await conn.execute("UPDATE members SET sponsor_id = ? WHERE sponsor_id = ?", (s, a))
        await conn.execute("UPDATE members SET decided_by = ? WHERE decided_by = ?", (s, a))
        await conn.execute(
            "UPDATE members SET sponsor_id = NULL WHERE id = ? AND sponsor_id = ?", (s, s)
        )
        # Settings the survivor never made are taken from the absorbed row; the earliest
        # joining and request stay (the platform joined on first receives notifications).
        await conn.execute(
            "UPDATE members SET"
            " lang = COALESCE(lang, (SELECT lang FROM members WHERE id = :a)),"
            " notify = COALESCE(notify, (SELECT notify FROM members WHERE id = :a)),"
            " tz = COALESCE(tz, (SELECT tz FROM members WHERE id = :a)),"
            " quiet_start = COALESCE(quiet_start, (SELECT quiet_start FROM members WHERE id = :a)),"
            " quiet_end = CASE WHEN quiet_start IS NULL"
            "  THEN (SELECT quiet_end FROM members WHERE id = :a) ELSE quiet_end END,"
            " digest_at = COALESCE(digest_at, (SELECT digest_at FROM members WHERE id = :a)),"
            " home_platform = CASE"
            "  WHEN home_platform IS NULL THEN (SELECT home_platform FROM members WHERE id = :a)"
            "  WHEN (SELECT joined_at FROM members WHERE id = :a) < COALESCE(joined_at, 1e300)"
            "  THEN COALESCE((SELECT home_platform FROM members WHERE id = :a), home_platform)"
            "  ELSE home_platform END,"
            " joined_at = MIN(COALESCE(joined_at, 1e300),"
            "  COALESCE((SELECT joined_at FROM members WHERE id = :a), 1e300)),"
            " created_at = MIN(created_at, (SELECT created_at FROM members WHERE id = :a))"
            " WHERE id = :s",
            {"a": a, "s": s},
        )
        await conn.execute(
            "UPDATE members SET joined_at = NULL WHERE id = ? AND joined_at >= 1e300", (s,)
        )
        await conn.execute("DELETE FROM members WHERE id = ?", (a,))

    async def detach(self, platform: str, user_id: str, now: float) -> int:
        """`unlinkme`: the identity becomes a stranger of its own (a new member row, with
        nothing: no roles, no subscriptions, no history). Returns the new member id."""
        row = await self._conn.fetchone(
            "SELECT member_id, display_name FROM identities WHERE platform = ? AND user_id = ?",
            (platform, user_id),
        )
        assert row is not None
        old, name = int(row[0]), str(row[1])
        new = int(
            await self._conn.fetchval(
                "INSERT INTO members (display_name, created_at) VALUES (?, ?) RETURNING id",
                (name, now),
            )
        )
        await self._conn.execute(
            "UPDATE identities SET member_id = ? WHERE platform = ? AND user_id = ?",
            (new, platform, user_id),
        )
        # Notifications that went to the detached platform go back to the first one left.
        await self._conn.execute(
            "UPDATE members SET notify = NULL WHERE id = ? AND notify = ?", (old, platform)
        )
        await self._conn.execute(
            "UPDATE members SET home_platform = (SELECT platform FROM identities"
            " WHERE member_id = members.id ORDER BY rowid LIMIT 1)"
            " WHERE id = ? AND home_platform = ?",
            (old, platform),
        )
        await self._conn.execute(
            "UPDATE members SET display_name = (SELECT display_name FROM identities"
            " WHERE member_id = members.id ORDER BY rowid LIMIT 1) WHERE id = ?",
            (old,),
        )
        return new

    # -- where and when notifications go -----------------------------------------------------

    async def set_notify(self, member_id: int, notify: str | None) -> None:
        assert notify is None or notify == NOTIFY_ALL or notify.isalpha()
        await self._conn.execute(
            "UPDATE members SET notify = ? WHERE id = ?", (notify, member_id)
        )

    async def set_tz(self, member_id: int, zone: str | None) -> None:
        await self._conn.execute("UPDATE members SET tz = ? WHERE id = ?", (zone, member_id))

    async def set_quiet(self, member_id: int, window: QuietWindow | None) -> None:
        await self._conn.execute(
            "UPDATE members SET quiet_start = ?, quiet_end = ? WHERE id = ?",
            (window.start if window else None, window.end if window else None, member_id),
        )

    async def set_digest(self, member_id: int, minute: int | None) -> None:
        await self._conn.execute(
            "UPDATE members SET digest_at = ? WHERE id = ?", (minute, member_id)
        )

    async def requests_since(self, member_id: int, since: float) -> int:
        """Links this member asked the admins to confirm lately (from the audit log)."""
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM audit_log WHERE member_id = ? AND at > ?"
            " AND command = 'linkme' AND outcome = 'requested'",
            (member_id, since),
        )
        return int(row[0]) if row else 0

    async def bad_tries_since(self, member_id: int, since: float) -> int:
        """Wrong link or forget codes this member typed lately (from the audit log)."""
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM audit_log WHERE member_id = ? AND at > ?"
            " AND command IN ('linkme', 'forgetme') AND outcome = 'bad_code'",
            (member_id, since),
        )
        return int(row[0]) if row else 0
