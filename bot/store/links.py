"""Short links and their visit counts.

One row per link, never deleted, so a code never comes back for another
link. Visits are one number per link and per day. Pushes and share kits mint
links through `mint` with a `subject` (`push:3`) and an owner (the member
whose shares the visits are credited to): one link per (subject, owner, URL).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.domain.short_links import LinkCount, ShortLink, new_code
from bot.store.connection import Connection

_COLUMNS = "id, code, url, owner_id, scope, subject, created_at, expires_at, posted_on"
_WIDTH = 9
MINT_TRIES = 8


def _link(row: Sequence[Any]) -> ShortLink:
    link_id, code, url, owner_id, scope, subject, created_at, expires_at, posted_on = row[
        :_WIDTH
    ]
    return ShortLink(
        id=link_id,
        code=code,
        url=url,
        owner_id=owner_id,
        scope=tuple(json.loads(scope)),
        subject=subject,
        created_at=created_at,
        expires_at=expires_at,
        posted_on=posted_on,
    )


class LinkRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def mint(
        self,
        url: str,
        *,
        owner_id: int | None,
        now: float,
        scope: Iterable[str] = (),
        subject: str | None = None,
        expires_at: float | None = None,
        posted_on: str | None = None,
        reuse: bool = True,
    ) -> ShortLink:
        """A link to `url` credited to `owner_id`; with `reuse`, the same owner's live
        link to the same URL for the same subject and place is given back instead."""
        if reuse:
            found = await self._same(url, owner_id, subject, posted_on, now)
            if found is not None:
                return found
        for _ in range(MINT_TRIES):
            # A code already taken (once in ~10^14) inserts nothing: draw again. (A failed
            # statement would abort a PostgreSQL transaction: the conflict is not an error.)
            row = await self._conn.fetchone(
                "INSERT INTO short_links (code, url, owner_id, scope, subject, created_at,"
                " expires_at, posted_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT (code) DO NOTHING RETURNING {_COLUMNS}",
                (
                    new_code(),
                    url,
                    owner_id,
                    json.dumps(list(scope)),
                    subject,
                    now,
                    expires_at,
                    posted_on,
                ),
            )
            if row is not None:
                return _link(row)
        raise RuntimeError("could not draw a free short-link code")

    async def _same(
        self, url: str, owner_id: int | None, subject: str | None, posted_on: str | None,
        now: float,
    ) -> ShortLink | None:
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM short_links WHERE owner_id IS ? AND url = ?"
            " AND subject IS ? AND posted_on IS ? AND (expires_at IS NULL OR expires_at > ?)"
            " ORDER BY id DESC LIMIT 1",
            (owner_id, url, subject, posted_on, now),
        )
        return None if row is None else _link(row)

    async def by_code(self, code: str) -> ShortLink | None:
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM short_links WHERE code = ?", (code,)
        )
        return None if row is None else _link(row)

    async def made_since(self, owner_id: int, since: float) -> int:
        """Links `short` made for this member since `since` (the hourly allowance)."""
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM short_links WHERE owner_id = ? AND subject IS NULL"
            " AND created_at > ?",
            (owner_id, since),
        )
        return int(row[0]) if row else 0

    async def add_visits(self, counts: Mapping[tuple[int, int], int]) -> None:
        """Add visits counted in memory: (link id, day) -> how many."""
        if not counts:
            return
        await self._conn.executemany(
            "INSERT INTO link_visits (link_id, day, visits) VALUES (?, ?, ?)"
            " ON CONFLICT(link_id, day) DO UPDATE"
            " SET visits = link_visits.visits + excluded.visits",
            [(link_id, day, n) for (link_id, day), n in counts.items()],
        )

    async def counts(
        self,
        *,
        owner_id: int | None = None,
        subject_prefix: str | None = None,
        since_day: int,
        limit: int = 20,
    ) -> list[LinkCount]:
        """Links of an owner, or of subjects starting with `subject_prefix` (`push:`),
        with their visits in all and since `since_day`, the most visited first."""
        where: list[str] = []
        params: list[object] = [since_day]
        if owner_id is not None:
            where.append("l.owner_id = ?")
            params.append(owner_id)
        if subject_prefix is not None:
            where.append("l.subject >= ? AND l.subject < ?")
            params += [subject_prefix, subject_prefix + "\uffff"]
        if not where:
            raise ValueError("an owner or a subject is needed")
        params.append(limit)
        rows = await self._conn.fetchall(
            f"SELECT {', '.join('l.' + c.strip() for c in _COLUMNS.split(','))},"
            " COALESCE(SUM(v.visits), 0) AS total,"
            " COALESCE(SUM(CASE WHEN v.day >= ? THEN v.visits END), 0) AS recent"
            " FROM short_links l LEFT JOIN link_visits v ON v.link_id = l.id"
            f" WHERE {' AND '.join(where)} GROUP BY l.id ORDER BY total DESC, l.id DESC LIMIT ?",
            params,
        )
        return [LinkCount(_link(r), int(r[_WIDTH]), int(r[_WIDTH + 1])) for r in rows]

    async def total_for_owner(self, owner_id: int) -> tuple[int, int]:
        """(links, visits) credited to this member, all subjects together."""
        row = await self._conn.fetchone(
            "SELECT COUNT(DISTINCT l.id), COALESCE(SUM(v.visits), 0) FROM short_links l"
            " LEFT JOIN link_visits v ON v.link_id = l.id WHERE l.owner_id = ?",
            (owner_id,),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def visits_by_place(self, subjects: Iterable[str]) -> dict[str, int]:
        """Visits of the links posted by these subjects' pushes, per place (`mastodon`,
        `telegram`…), and of the members' own links under '' (their share kits)."""
        wanted = list(subjects)
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = await self._conn.fetchall(
            "SELECT COALESCE(l.posted_on, ''), COALESCE(SUM(v.visits), 0) FROM short_links l"
            " LEFT JOIN link_visits v ON v.link_id = l.id"
            f" WHERE l.subject IN ({marks}) GROUP BY 1",
            wanted,
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def visits_by_owner(self, subject: str) -> dict[int, int]:
        """Visits per member for one subject (`push:3`): "your links brought 212 visits"."""
        rows = await self._conn.fetchall(
            "SELECT l.owner_id, COALESCE(SUM(v.visits), 0) FROM short_links l"
            " LEFT JOIN link_visits v ON v.link_id = l.id"
            " WHERE l.subject = ? AND l.owner_id IS NOT NULL GROUP BY l.owner_id",
            (subject,),
        )
        return {int(r[0]): int(r[1]) for r in rows}
