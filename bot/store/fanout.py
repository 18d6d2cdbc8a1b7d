"""Alert fan-out to subscribers, done inside the database.

The rules are `bot.domain.fanout.plan_fanout` (who matches, which of a linked
member's identities get a copy, who is holding alerts for a digest), repeated
here in SQL because a national network has 150,000 subscribers and loading
them into Python to write them back as outbox rows took several seconds,
while one INSERT … SELECT takes well under one. Tests run both on random
networks (`tests/test_fanout_agreement.py`, and with linked identities, quiet
hours and digests `tests/identity/test_fanout_agreement_linked.py`).

The fragments below (`CHOSEN_SQL`…) are shared with the release of digests
(`bot/store/digests.py`), which must reach members exactly as alerts do.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.messages import OutgoingMessage
from bot.store.connection import Connection
from bot.store.outbox import OutboxRepository


@dataclass(frozen=True, slots=True)
class SubscriberFanout:
    queued: int
    unreachable: int
    held: int = 0
    """Members in their quiet hours or on a daily digest: the alert waits for their digest."""
    held_windows: tuple[tuple[str, int | None, int | None, int | None], ...] = ()
    """(zone, quiet start, quiet end, digest minute) of the members held, distinct: each
    needs a release timer."""


_MATCHES = """
    m.joined = 1 AND m.id != :author
    AND EXISTS (
        SELECT 1 FROM subscriptions s LEFT JOIN tag_aliases a ON a.alias = s.tag
        WHERE s.member_id = m.id AND (
            :wide = 1
            OR COALESCE(a.canonical, s.tag) = :national
            OR COALESCE(a.canonical, s.tag) IN (SELECT value FROM json_each(:scope))
        )
    )
"""

_NOT_REACHED = """
    AND NOT EXISTS (
        SELECT 1 FROM subscriptions s LEFT JOIN tag_aliases a ON a.alias = s.tag
        WHERE s.member_id = m.id AND (
            COALESCE(a.canonical, s.tag) = :national
            OR COALESCE(a.canonical, s.tag) IN (SELECT value FROM json_each(:reached))
        )
    )
"""
"""With `reached` (an alert widened to more tags): members its first scope reached are
left out, they have their copy already."""


_NOT_SKIPPED = " AND CAST(m.id AS TEXT) NOT IN (SELECT value FROM json_each(:skipped))"
"""With `skip`: members left out by id (ids as JSON strings, compared as text on both
engines)."""


def _matching(
    reached: Iterable[str] | None, params: dict[str, object], skip: Iterable[int] = ()
) -> str:
    matches = _MATCHES
    skipped = sorted({str(member_id) for member_id in skip})
    if skipped:
        params["skipped"] = json.dumps(skipped)
        matches += _NOT_SKIPPED
    if reached is None:
        return matches
    params["reached"] = json.dumps(sorted(set(reached)))
    return matches + _NOT_REACHED


CHOSEN_SQL = "(m.notify = 'all' OR i.platform = COALESCE(m.notify, m.home_platform))"
"""The identities a member's alerts go to: `bot.domain.members.Member.notify_identities`."""

DIRECT_SQL = "i.platform NOT IN (SELECT value FROM json_each(:no_dm_platforms))"

REACHABLE_SQL = "i.dm_reachable = 1 AND i.unreachable_reason IS NULL"

QUIET_NOW_SQL = (
    "(COALESCE(m.tz, :network_tz) || '|' || m.quiet_start || '|' || m.quiet_end)"
    " IN (SELECT value FROM json_each(:quiet_active))"
)
"""The member's quiet window is one of those active now (`bot.domain.quiet.quiet_key`)."""

HOLDING_SQL = f"(m.digest_at IS NOT NULL OR (m.quiet_start IS NOT NULL AND {QUIET_NOW_SQL}))"

CAN_RECEIVE_SQL = (
    "EXISTS (SELECT 1 FROM identities i WHERE i.member_id = m.id"
    f" AND {CHOSEN_SQL} AND {DIRECT_SQL} AND {REACHABLE_SQL})"
)


@dataclass(frozen=True, slots=True)
class Holding:
    """What the fan-out needs to hold alerts for quiet members: computed by the caller
    from `bot.domain.quiet` (which windows are active now) and the alert."""

    alert_id: int
    now: float
    network_tz: str
    quiet_active: tuple[str, ...] = ()
    urgent: bool = False
    keep: bool = True
    """False: members holding are skipped, nothing kept for their digest (a reminder that
    would be stale by morning)."""


BULK_FANOUT = 5_000
"""Subscriptions matched beyond which PostgreSQL is asked for hash joins."""


def _unreachable(members: str) -> str:
    """FROM … WHERE of the members (`members`, aliased m) none of whose chosen identities
    can get the alert privately nor is on a platform that notifies in rooms."""
    return (
        f"FROM {members} LEFT JOIN identities i"
        "  ON i.member_id = m.id AND i.platform = m.home_platform"
        " WHERE m.joined = 1 AND ("
        "  (m.notify IS NULL"
        "   AND m.home_platform NOT IN (SELECT value FROM json_each(:no_dm_platforms))"
        "   AND (i.user_id IS NULL OR i.dm_reachable = 0 OR i.unreachable_reason IS NOT NULL))"
        "  OR (m.notify IS NOT NULL AND NOT EXISTS (SELECT 1 FROM identities j"
        "   WHERE j.member_id = m.id AND (m.notify = 'all' OR j.platform = m.notify)"
        "   AND (j.platform IN (SELECT value FROM json_each(:no_dm_platforms))"
        "    OR (j.dm_reachable = 1 AND j.unreachable_reason IS NULL)))))"
    )


class FanoutRepository:
    def __init__(self, conn: Connection, outbox: OutboxRepository) -> None:
        self._conn = conn
        self._outbox = outbox

    async def quiet_windows(self, network_tz: str) -> list[tuple[str, int, int]]:
        """The distinct (zone, start, end) quiet windows members use (a few, from an index)."""
        rows = await self._conn.fetchall(
            "SELECT DISTINCT COALESCE(tz, ?), quiet_start, quiet_end FROM members"
            " WHERE quiet_start IS NOT NULL",
            (network_tz,),
        )
        return [(str(z), int(a), int(b)) for z, a, b in rows]

    async def enqueue_for_subscribers(
        self,
        *,
        scope: Iterable[str],
        network_wide: bool,
        national: str,
        author_member_id: int,
        messages: Mapping[str, OutgoingMessage],
        default_lang: str,
        no_dm_platforms: Iterable[str],
        priority: int,
        subject: str,
        holding: Holding | None = None,
        reached: Iterable[str] | None = None,
        skip: Iterable[int] = (),
    ) -> SubscriberFanout:
        """Queue one private message per matching, reachable subscriber, in their language.

        `scope` and `national` are canonical tags (aliases already resolved).
        Members at home on a platform in `no_dm_platforms` are reached another
        way (Discord: a role mention) and are neither queued nor counted. A
        member gets one copy where `notify` says, or one per identity with
        `notify all`. With `holding`, members in their quiet hours or on a daily
        digest get a `held_alerts` row instead (urgent alerts are never held).
        `reached` (canonical tags): the scope an alert already reached before it was
        widened; its subscribers are left out. `skip`: member ids left out (those who
        gave up the task a reminder asks help for).
        """
        langs = sorted(messages)
        payload_case = " ".join(
            f"WHEN '{lang}' THEN CAST(:payload_{lang} AS BIGINT)"
            for lang in langs
            if lang.isalpha()
        )

        lang_case = " ".join(f"WHEN '{lang}' THEN '{lang}'" for lang in langs if lang.isalpha())
        hold = holding is not None and not holding.urgent
        params: dict[str, object] = {
            "author": author_member_id,
            "wide": int(network_wide),
            "national": national,
            "scope": json.dumps(sorted(set(scope))),
            "no_dm_platforms": json.dumps(sorted(set(no_dm_platforms))),
            "default": default_lang,
            "priority": priority,
            "subject": subject,
            "now": time.time(),
            "network_tz": holding.network_tz if holding else "",
            "quiet_active": json.dumps(list(holding.quiet_active) if holding else []),
        }
        matches = _matching(reached, params, skip)
        for lang in langs:
            params[f"payload_{lang}"] = await self._outbox.payload_id(messages[lang])
        lang_expr = f"(CASE m.lang {lang_case} ELSE CAST(:default AS TEXT) END)"
        self._conn.notify("outbox")
        bulk = await self._bulk(params)
        not_holding = f" AND NOT {HOLDING_SQL}" if hold else ""
        if self._conn.dialect.postgres:
            queued, unreachable = await self._enqueue_postgres(
                params, lang_expr, payload_case, not_holding, matches
            )
        else:
            queued = await self._conn.execute(
                "INSERT INTO outbox (platform, target_kind, address, payload_id, lang, priority,"
                " subject, not_before, created_at)"
                f" SELECT i.platform, 'user', i.user_id, (CASE {lang_expr} {payload_case} END),"
                f" {lang_expr}, CAST(:priority AS INTEGER), CAST(:subject AS TEXT),"
                " CAST(:now AS DOUBLE PRECISION), CAST(:now AS DOUBLE PRECISION)"
                f" FROM members m JOIN identities i ON i.member_id = m.id AND {CHOSEN_SQL}"
                f" WHERE {matches} AND {REACHABLE_SQL} AND {DIRECT_SQL}{not_holding}",
                params,
            )
            unreachable = await self._count_unreachable(params, matches)
        held = 0
        windows: tuple[tuple[str, int | None, int | None, int | None], ...] = ()
        if hold and holding is not None and holding.keep:
            held, windows = await self._hold(holding, params, matches)
        if bulk:
            await self._conn.execute("RESET enable_nestloop")
            await self._conn.execute("RESET work_mem")
        return SubscriberFanout(
            queued=queued, unreachable=unreachable, held=held, held_windows=windows
        )

    async def _bulk(self, params: dict[str, object]) -> bool:
        """PostgreSQL: a big fan-out is planned with hash joins, for this transaction.

        The planner cannot know how many subscribers an alert matches (the match goes
        through aliases), and for a national alert its index look-ups one member at a
        time took three times as long as hashing the tables once. The subscriptions
        say how many match; past `BULK_FANOUT` the hash plan is asked for.
        """
        if not self._conn.dialect.postgres:
            return False
        many = await self._conn.fetchval(
            "SELECT COUNT(*) FROM subscriptions s LEFT JOIN tag_aliases a ON a.alias = s.tag"
            " WHERE :wide = 1 OR COALESCE(a.canonical, s.tag) = :national"
            " OR COALESCE(a.canonical, s.tag) IN (SELECT value FROM json_each(:scope))",
            params,
        )
        if int(many or 0) <= BULK_FANOUT:
            return False
        await self._conn.execute("SET LOCAL enable_nestloop = off")
        await self._conn.execute("SET LOCAL work_mem = '64MB'")
        return True

    async def _hold(
        self, holding: Holding, params: dict[str, object], matches: str
    ) -> tuple[int, tuple[tuple[str, int | None, int | None, int | None], ...]]:
        """`held_alerts` rows for the members holding now: those on a daily digest, then
        those in their quiet hours (each statement walks its own partial index)."""
        params = {**params, "alert": holding.alert_id, "held_at": holding.now}
        insert = (
            "INSERT INTO held_alerts (member_id, alert_id, held_at)"
            " SELECT m.id, CAST(:alert AS BIGINT), CAST(:held_at AS DOUBLE PRECISION)"
            " FROM members m WHERE "
        )
        held = await self._conn.execute(
            insert + f"m.digest_at IS NOT NULL AND {matches} AND {CAN_RECEIVE_SQL}"
            " ON CONFLICT DO NOTHING",
            params,
        )
        if holding.quiet_active:
            held += await self._conn.execute(
                insert + f"m.quiet_start IS NOT NULL AND m.digest_at IS NULL AND {QUIET_NOW_SQL}"
                f" AND {matches} AND {CAN_RECEIVE_SQL} ON CONFLICT DO NOTHING",
                params,
            )
        if not held:
            return 0, ()
        rows = await self._conn.fetchall(
            "SELECT DISTINCT COALESCE(m.tz, :network_tz),"
            " CASE WHEN m.digest_at IS NULL THEN m.quiet_start END,"
            " CASE WHEN m.digest_at IS NULL THEN m.quiet_end END, m.digest_at"
            " FROM held_alerts h JOIN members m ON m.id = h.member_id WHERE h.alert_id = :alert",
            params,
        )
        windows = tuple(
            (str(zone), start, end, digest) for zone, start, end, digest in rows
        )
        return held, windows

    async def _count_unreachable(self, params: dict[str, object], matches: str) -> int:
        """Matching members none of whose chosen identities can get the alert privately
        nor is on a platform that notifies in rooms. Few are: the reachability is tested
        first, the subscription match only for them."""
        row = await self._conn.fetchone(
            f"SELECT COUNT(*) {_unreachable('members m')} AND {matches}", params
        )
        return int(row[0]) if row else 0

    async def _enqueue_postgres(
        self,
        params: dict[str, object],
        lang_expr: str,
        payload_case: str,
        not_holding: str,
        matches: str,
    ) -> tuple[int, int]:
        """PostgreSQL: the rows and the count of the unreachable in one statement, the
        subscribers matched once (a materialized CTE) for both. (queued, unreachable)"""
        row = await self._conn.fetchone(
            "WITH m AS MATERIALIZED (SELECT m.id, m.lang, m.notify, m.home_platform, m.joined,"
            " m.digest_at, m.quiet_start, m.quiet_end, m.tz"
            f" FROM members m WHERE {matches}),"
            " written AS (INSERT INTO outbox (platform, target_kind, address, payload_id, lang,"
            " priority, subject, not_before, created_at)"
            f" SELECT i.platform, 'user', i.user_id, (CASE {lang_expr} {payload_case} END),"
            f" {lang_expr}, CAST(:priority AS INTEGER), CAST(:subject AS TEXT),"
            " CAST(:now AS DOUBLE PRECISION), CAST(:now AS DOUBLE PRECISION)"
            f" FROM m JOIN identities i ON i.member_id = m.id AND {CHOSEN_SQL}"
            f" WHERE {REACHABLE_SQL} AND {DIRECT_SQL}{not_holding} RETURNING 1)"
            f" SELECT (SELECT COUNT(*) FROM written), (SELECT COUNT(*) {_unreachable('m')})",
            params,
        )
        assert row is not None
        return int(row[0]), int(row[1])

    async def count_notified_in_rooms(
        self,
        *,
        scope: Iterable[str],
        network_wide: bool,
        national: str,
        author_member_id: int,
        platforms: Iterable[str],
        no_dm_platforms: Iterable[str] = (),
        reached: Iterable[str] | None = None,
    ) -> int:
        """Matching subscribers reached on `platforms`, which notify them in rooms (Discord
        roles) rather than privately: counted in the receipt when a room there gets the
        alert. A member reached privately elsewhere (`notify all`) is not counted twice."""
        wanted = sorted(set(platforms))
        if not wanted:
            return 0
        params: dict[str, object] = {
            "author": author_member_id,
            "wide": int(network_wide),
            "national": national,
            "scope": json.dumps(sorted(set(scope))),
            "platforms": json.dumps(wanted),
            "no_dm_platforms": json.dumps(sorted(set(no_dm_platforms) | set(wanted))),
        }
        matches = _matching(reached, params)
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM members m WHERE ("
            " (m.notify IS NULL AND m.home_platform IN (SELECT value FROM json_each(:platforms)))"
            " OR (m.notify IS NOT NULL AND EXISTS (SELECT 1 FROM identities i"
            f"  WHERE i.member_id = m.id AND {CHOSEN_SQL}"
            "   AND i.platform IN (SELECT value FROM json_each(:platforms)))"
            f"  AND NOT {CAN_RECEIVE_SQL}))"
            f" AND {matches}",
            params,
        )
        return int(row[0]) if row else 0
