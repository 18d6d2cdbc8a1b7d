"""Alert fan-out to subscribers, done inside SQLite.

The rule is `bot.domain.scopes.subscription_matches` (a test checks that both
agree); it is repeated here in SQL because a national network has 150,000
subscribers and loading them into Python to write them back as outbox rows
took several seconds, while one INSERT … SELECT takes well under one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import aiosqlite

from bot.domain.messages import OutgoingMessage
from bot.store.outbox import OutboxRepository


@dataclass(frozen=True, slots=True)
class SubscriberFanout:
    queued: int
    unreachable: int


_MATCHES = """
    m.joined = 1 AND m.id != :author
    AND EXISTS (
        SELECT 1 FROM subscriptions s LEFT JOIN tag_aliases a ON a.alias = s.tag
        WHERE s.member_id = m.id AND (
            :wide
            OR COALESCE(a.canonical, s.tag) = :national
            OR COALESCE(a.canonical, s.tag) IN (SELECT value FROM json_each(:scope))
        )
    )
"""

_REACHABLE = """
    i.dm_reachable = 1 AND i.unreachable_reason IS NULL
    AND i.platform NOT IN (SELECT value FROM json_each(:no_dm_platforms))
"""


class FanoutRepository:
    def __init__(self, conn: aiosqlite.Connection, outbox: OutboxRepository) -> None:
        self._conn = conn
        self._outbox = outbox

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
    ) -> SubscriberFanout:
        """Queue one private message per matching, reachable subscriber, in their language.

        `scope` and `national` are canonical tags (aliases already resolved).
        Members at home on a platform in `no_dm_platforms` are reached another
        way (Discord: a role mention) and are neither queued nor counted.
        """
        langs = sorted(messages)
        payload_case = " ".join(
            f"WHEN '{lang}' THEN :payload_{lang}" for lang in langs if lang.isalpha()
        )

        lang_case = " ".join(f"WHEN '{lang}' THEN '{lang}'" for lang in langs if lang.isalpha())
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
        }
        for lang in langs:
            params[f"payload_{lang}"] = await self._outbox.payload_id(messages[lang])
        lang_expr = f"(CASE m.lang {lang_case} ELSE :default END)"
        cur = await self._conn.execute(
            "INSERT INTO outbox (platform, target_kind, address, payload_id, lang, priority,"
            " subject, not_before, created_at)"
            f" SELECT i.platform, 'user', i.user_id, (CASE {lang_expr} {payload_case} END),"
            f" {lang_expr}, :priority, :subject, :now, :now"
            " FROM members m JOIN identities i"
            "  ON i.member_id = m.id AND i.platform = m.home_platform"
            f" WHERE {_MATCHES} AND {_REACHABLE}",
            params,
        )
        queued = cur.rowcount
        # Few are unreachable: test that first, the subscription match only for them.
        async with self._conn.execute(
            "SELECT COUNT(*) FROM members m LEFT JOIN identities i"
            "  ON i.member_id = m.id AND i.platform = m.home_platform"
            " WHERE m.joined = 1"
            " AND m.home_platform NOT IN (SELECT value FROM json_each(:no_dm_platforms))"
            " AND (i.user_id IS NULL OR i.dm_reachable = 0 OR i.unreachable_reason IS NOT NULL)"
            f" AND {_MATCHES}",
            params,
        ) as count_cur:
            row = await count_cur.fetchone()
        unreachable = int(row[0]) if row else 0
        return SubscriberFanout(queued=queued, unreachable=unreachable)

    async def count_notified_in_rooms(
        self,
        *,
        scope: Iterable[str],
        network_wide: bool,
        national: str,
        author_member_id: int,
        platforms: Iterable[str],
    ) -> int:
        """Matching subscribers at home on `platforms`, which notify them in rooms (Discord
        roles) rather than privately: counted in the receipt when a room there gets the alert."""
        wanted = sorted(set(platforms))
        if not wanted:
            return 0
        async with self._conn.execute(
            "SELECT COUNT(*) FROM members m"
            " WHERE m.home_platform IN (SELECT value FROM json_each(:platforms))"
            f" AND {_MATCHES}",
            {
                "author": author_member_id,
                "wide": int(network_wide),
                "national": national,
                "scope": json.dumps(sorted(set(scope))),
                "platforms": json.dumps(wanted),
            },
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0
