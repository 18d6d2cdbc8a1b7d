from __future__ import annotations

import json
import time
from collections.abc import Iterable

from bot.domain.members import Identity, Member, Standing, effective_grants, name_key
from bot.domain.membership import MAX_CASCADE_DEPTH, JoinRequest
from bot.domain.quiet import NotifyPrefs, QuietWindow
from bot.domain.roles import Grant, Role
from bot.store.connection import Connection, Row

IN_CASCADE_SQL = "(m.joined = 1 OR (m.forgotten_at IS NOT NULL AND m.joined_at IS NOT NULL))"
"""Who counts in a sponsor's cascade: members, and those forgotten while members (their
nameless row stays so that counts do not move; `forget` clears `joined_at` of anyone who
was no longer a member)."""


def _request(row: Row) -> JoinRequest:
    return JoinRequest(
        member_id=row["id"],
        name=row["display_name"],
        platform=row["request_platform"] or "",
        chat_id=row["request_chat_id"] or "",
        private=bool(row["request_private"]),
        scope=tuple(json.loads(row["scope"] or "[]")),
        requested_at=float(row["requested_at"]),
        verified=bool(row["request_verified"]),
    )


def _identity(row: Row) -> Identity:
    return Identity(
        platform=row["platform"],
        user_id=row["user_id"],
        display_name=row["display_name"],
        username=row["username"],
        dm_reachable=bool(row["dm_reachable"]),
        unreachable_reason=row["unreachable_reason"],
    )


class MemberRepository:
    """Members come back with their effective grants (stored + config admins + joined)."""

    def __init__(self, conn: Connection, config_admins: frozenset[str]) -> None:
        self._conn = conn
        self._config_admins = config_admins
        self._order = conn.dialect.insertion_order

    async def get(self, member_id: int) -> Member | None:
        row = await self._conn.fetchone("SELECT * FROM members WHERE id = ?", (member_id,))
        return None if row is None else await self._load(row)

    async def _load(self, row: Row) -> Member:
        member_id = row["id"]
        rows = await self._conn.fetchall(
            f"SELECT * FROM identities WHERE member_id = ? ORDER BY {self._order}", (member_id,)
        )
        identities = tuple(_identity(r) for r in rows)
        rows = await self._conn.fetchall(
            "SELECT role, scope FROM grants WHERE member_id = ? ORDER BY role DESC, scope",
            (member_id,),
        )
        stored = tuple(Grant(Role(r["role"]), r["scope"] or None) for r in rows)
        rows = await self._conn.fetchall(
            f"SELECT tag FROM subscriptions WHERE member_id = ? ORDER BY {self._order}",
            (member_id,),
        )
        subscriptions = tuple(r["tag"] for r in rows)
        return self._member(row, identities, stored, subscriptions)

    async def resolve(
        self, platform: str, user_id: str, display_name: str, username: str | None
    ) -> Member:
        """The member behind a platform identity, created on first sight."""
        row = await self._conn.fetchone(
            "SELECT member_id, display_name, username FROM identities"
            " WHERE platform = ? AND user_id = ?",
            (platform, user_id),
        )
        if row is None:
            member_id = await self._conn.fetchval(
                "INSERT INTO members (display_name, created_at) VALUES (?, ?) RETURNING id",
                (display_name, time.time()),
            )
            await self._conn.execute(
                "INSERT INTO identities (platform, user_id, member_id, display_name, username)"
                " VALUES (?, ?, ?, ?, ?)",
                (platform, user_id, member_id, display_name, username),
            )
        else:
            member_id = row["member_id"]
            if row["display_name"] != display_name or row["username"] != username:
                await self._conn.execute(
                    "UPDATE identities SET display_name = ?, username = ?"
                    " WHERE platform = ? AND user_id = ?",
                    (display_name, username, platform, user_id),
                )
                await self._conn.execute(
                    "UPDATE members SET display_name = ? WHERE id = ?", (display_name, member_id)
                )
        member = await self.get(int(member_id))
        assert member is not None
        if not member.joined and f"{platform}:{user_id}" in self._config_admins:
            # The file's admins are members whatever the database says: counted, shown,
            # reached like anyone (and never removed, see `removal_refusal`).
            await self.admit(member.id, platform)
            member = await self.get(member.id)
            assert member is not None
        return member

    async def find(self, platform: str, handle: str) -> list[Member]:
        """Members a `@handle` may mean on this platform: user id, username, display name."""
        handle = handle.lstrip("@")
        dialect = self._conn.dialect
        rows = await self._conn.fetchall(
            "SELECT DISTINCT member_id FROM identities WHERE platform = ? AND (user_id = ?"
            f" OR {dialect.nocase_equals('username')}"
            f" OR {dialect.nocase_equals('display_name')})",
            (platform, handle, handle, handle),
        )
        ids = [r["member_id"] for r in rows]
        if not ids and not handle.isascii():
            ids = await self._find_folded(platform, handle)
        found = [await self.get(member_id) for member_id in ids]
        return [member for member in found if member is not None]

    async def _find_folded(self, platform: str, handle: str) -> list[int]:
        """`@élodie` for `Élodie`, `@François` (combining cedilla) for `François`: the
        engines' case-insensitive equality folds ASCII only, so names with accents are
        compared here, composed and case-folded."""
        wanted = name_key(handle)
        rows = await self._conn.fetchall(
            "SELECT member_id, username, display_name FROM identities WHERE platform = ?"
            " ORDER BY member_id",
            (platform,),
        )
        ids: list[int] = []
        for row in rows:
            names = (row["username"], row["display_name"])
            if any(n and name_key(n) == wanted for n in names) and row["member_id"] not in ids:
                ids.append(row["member_id"])
        return ids

    async def network_admins(self) -> list[Member]:
        """Admins of the whole network: unscoped admin grants, and the config's admins."""
        return await self.privileged(Role.ADMIN, unscoped_only=True)

    async def join(self, member_id: int, home_platform: str) -> None:
        """A member at once, with no sponsor and no scope (a network-wide newcomer)."""
        await self.admit(member_id, home_platform)

    # -- membership: requests, decisions, the cascade ---------------------------------

    async def admit(
        self,
        member_id: int,
        home_platform: str,
        *,
        sponsor_id: int | None = None,
        scope: Iterable[str] = (),
        decided_by: int | None = None,
    ) -> None:
        """Make them a member. A sponsor already recorded (the first one) is kept, and none
        is recorded that would make the cascade a loop (someone under them)."""
        if sponsor_id is not None and await self._under(sponsor_id, member_id):
            sponsor_id = None
        await self._conn.execute(
            "UPDATE members SET joined = 1, standing = 'member', home_platform = ?,"
            " sponsor_id = COALESCE(sponsor_id, ?), scope = ?, joined_at = ?,"
            " decided_by = ?, decided_at = ?, decision_note = NULL WHERE id = ?",
            (
                home_platform,
                sponsor_id,
                json.dumps(list(scope)),
                time.time(),
                decided_by,
                time.time() if decided_by is not None else None,
                member_id,
            ),
        )

    async def _under(self, member_id: int, root: int) -> bool:
        """Is `member_id` in the cascade under `root` (or `root` itself)? Walks up the sponsors."""
        current: int | None = member_id
        for _ in range(MAX_CASCADE_DEPTH + 1):
            if current is None:
                return False
            if current == root:
                return True
            row = await self._conn.fetchone(
                "SELECT sponsor_id FROM members WHERE id = ?", (current,)
            )
            current = None if row is None else row[0]
        return True  # deeper than any real cascade: a loop already; add none

    async def request(
        self,
        member_id: int,
        *,
        platform: str,
        chat_id: str,
        private: bool,
        scope: Iterable[str],
        verified: bool,
    ) -> None:
        await self._conn.execute(
            "UPDATE members SET standing = 'pending', requested_at = ?, request_platform = ?,"
            " request_chat_id = ?, request_private = ?, request_verified = ?, scope = ?"
            " WHERE id = ? AND joined = 0",
            (
                time.time(),
                platform,
                chat_id,
                int(private),
                int(verified),
                json.dumps(list(scope)),
                member_id,
            ),
        )

    async def close(self, member_id: int, standing: Standing, by: int, note: str | None) -> None:
        """Refuse a request or end a membership; roles go with it."""
        assert standing in (Standing.REFUSED, Standing.REMOVED)
        await self._conn.execute(
            "UPDATE members SET joined = 0, standing = ?, decided_by = ?, decided_at = ?,"
            " decision_note = ? WHERE id = ?",
            (standing.value, by, time.time(), note, member_id),
        )
        await self._conn.execute("DELETE FROM grants WHERE member_id = ?", (member_id,))

    async def join_request(self, member_id: int) -> JoinRequest | None:
        """The request as it was made (also after a decision: where to tell them)."""
        row = await self._conn.fetchone(
            "SELECT id, display_name, request_platform, request_chat_id, request_private, scope,"
            " requested_at, request_verified FROM members"
            " WHERE id = ? AND requested_at IS NOT NULL",
            (member_id,),
        )
        return None if row is None else _request(row)

    async def pending(self, limit: int) -> list[JoinRequest]:
        """Waiting requests, the platform-vouched ones first, oldest first."""
        rows = await self._conn.fetchall(
            "SELECT id, display_name, request_platform, request_chat_id, request_private, scope,"
            " requested_at, request_verified FROM members WHERE standing = 'pending'"
            " ORDER BY request_verified DESC, requested_at, id LIMIT ?",
            (limit,),
        )
        return [_request(row) for row in rows]

    async def pending_count(self, *, verified: bool = True) -> int:
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM members WHERE standing = 'pending' AND request_verified = ?",
            (int(verified),),
        )
        return int(row[0]) if row else 0

    async def member_count(self) -> int:
        row = await self._conn.fetchone("SELECT COUNT(*) FROM members WHERE joined = 1")
        return int(row[0]) if row else 0

    async def privileged(
        self, minimum: Role = Role.COORDINATOR, *, unscoped_only: bool = False
    ) -> list[Member]:
        """Everyone holding at least `minimum` somewhere (or, `unscoped_only`, network-wide),
        config admins included."""
        keys = [key.partition(":") for key in sorted(self._config_admins)]
        config = " OR ".join("(platform = ? AND user_id = ?)" for _ in keys) or "1 = 0"
        where = " AND (scope IS NULL OR scope = '')" if unscoped_only else ""
        params: list[object] = [int(minimum)]
        for platform, _, user_id in keys:
            params += [platform, user_id]
        return await self._load_many(
            f"SELECT member_id FROM grants WHERE role >= ?{where}"
            f" UNION SELECT member_id FROM identities WHERE {config}",
            tuple(params),
        )

    async def brought_in(self, member_id: int) -> int:
        """How many members this person sponsored directly."""
        row = await self._conn.fetchone(
            f"SELECT COUNT(*) FROM members m WHERE m.sponsor_id = ? AND {IN_CASCADE_SQL}",
            (member_id,),
        )
        return int(row[0]) if row else 0

    async def cascade_levels(self, root: int) -> list[int]:
        """Members per level under `root`: the rule of `bot.domain.membership.cascade_levels`.

        One recursive query whatever the size of the network. `admit` never
        records a sponsor that would close a loop, so each person is reached
        once; the depth bound still stops a loop written by other means.
        """
        rows = await self._conn.fetchall(
            "WITH RECURSIVE tree(id, depth) AS ("
            "  SELECT CAST(? AS BIGINT), 0"
            "  UNION ALL"
            "  SELECT m.id, tree.depth + 1 FROM members m JOIN tree ON m.sponsor_id = tree.id"
            f"  WHERE {IN_CASCADE_SQL} AND tree.depth < ? AND m.id != ?"
            ")"
            " SELECT depth, COUNT(*) FROM tree WHERE depth > 0 GROUP BY depth ORDER BY depth",
            (root, MAX_CASCADE_DEPTH, root),
        )
        return [int(number) for _, number in rows]

    async def sponsor_edges(self) -> dict[int, list[int]]:
        """Sponsor -> members they brought in (tests pin the SQL cascade to the pure rule)."""
        rows = await self._conn.fetchall(
            "SELECT m.sponsor_id, m.id FROM members m"
            f" WHERE {IN_CASCADE_SQL} AND m.sponsor_id IS NOT NULL ORDER BY m.id"
        )
        edges: dict[int, list[int]] = {}
        for sponsor, member in rows:
            edges.setdefault(int(sponsor), []).append(int(member))
        return edges

    async def set_dm_reachable(self, platform: str, user_id: str, reachable: bool) -> None:
        await self._conn.execute(
            "UPDATE identities SET dm_reachable = ?, unreachable_reason = NULL"
            " WHERE platform = ? AND user_id = ?",
            (int(reachable), platform, user_id),
        )

    async def mark_unreachable(self, platform: str, user_id: str, reason: str) -> None:
        await self._conn.execute(
            "UPDATE identities SET unreachable_reason = ? WHERE platform = ? AND user_id = ?",
            (reason, platform, user_id),
        )

    async def set_lang(self, member_id: int, lang: str | None) -> None:
        await self._conn.execute("UPDATE members SET lang = ? WHERE id = ?", (lang, member_id))

    async def grant(self, member_id: int, role: Role, scope: str | None) -> None:
        await self._conn.execute(
            "INSERT INTO grants (member_id, role, scope) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (member_id, int(role), scope or ""),
        )

    async def revoke(self, member_id: int, scope: str | None) -> int:
        """Drop privileged grants: all of them, or those limited to `scope`."""
        if scope is None:
            return await self._conn.execute("DELETE FROM grants WHERE member_id = ?", (member_id,))
        return await self._conn.execute(
            "DELETE FROM grants WHERE member_id = ? AND scope = ?", (member_id, scope)
        )

    async def scoped_grants(self, tags: Iterable[str]) -> list[tuple[str, str, Role, str]]:
        """(member short id, name, role, scope) of the privileged grants limited to one of
        `tags`: whose reach a synonym of those tags changes."""
        wanted = sorted(set(tags))
        if not wanted:
            return []
        marks = ", ".join("?" for _ in wanted)
        rows = await self._conn.fetchall(
            "SELECT g.member_id, m.display_name, g.role, g.scope FROM grants g"
            f" JOIN members m ON m.id = g.member_id WHERE g.scope IN ({marks})"
            " ORDER BY g.scope, g.role DESC, g.member_id",
            wanted,
        )
        return [(f"M{r[0]}", str(r[1]), Role(r[2]), str(r[3])) for r in rows]

    async def subscribe(self, member_id: int, tags: Iterable[str]) -> None:
        await self._conn.executemany(
            "INSERT INTO subscriptions (member_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(member_id, tag) for tag in tags],
        )

    async def unsubscribe(self, member_id: int, tags: Iterable[str] | None) -> int:
        if tags is None:
            return await self._conn.execute(
                "DELETE FROM subscriptions WHERE member_id = ?", (member_id,)
            )
        removed = 0
        for tag in tags:
            removed += await self._conn.execute(
                "DELETE FROM subscriptions WHERE member_id = ? AND tag = ?", (member_id, tag)
            )
        return removed

    async def subscribers(self) -> list[Member]:
        """Every joined member with a subscription, loaded in four queries whatever their number."""
        return await self._load_many(
            "SELECT m.id FROM members m WHERE m.joined = 1 AND EXISTS"
            " (SELECT 1 FROM subscriptions s WHERE s.member_id = m.id)",
            (),
        )

    async def _load_many(self, ids_query: str, params: tuple[object, ...]) -> list[Member]:
        """The members whose ids `ids_query` selects, in four queries whatever their number."""
        members = await self._conn.fetchall(
            f"SELECT * FROM members WHERE id IN ({ids_query}) ORDER BY id", params
        )
        identities: dict[int, list[Identity]] = {}
        rows = await self._conn.fetchall(
            f"SELECT * FROM identities WHERE member_id IN ({ids_query}) ORDER BY {self._order}",
            params,
        )
        for r in rows:
            identities.setdefault(r["member_id"], []).append(_identity(r))
        grants: dict[int, list[Grant]] = {}
        rows = await self._conn.fetchall(
            f"SELECT member_id, role, scope FROM grants WHERE member_id IN ({ids_query})"
            " ORDER BY role DESC, scope",
            params,
        )
        for r in rows:
            grants.setdefault(r["member_id"], []).append(Grant(Role(r["role"]), r["scope"] or None))
        subscriptions: dict[int, list[str]] = {}
        rows = await self._conn.fetchall(
            f"SELECT member_id, tag FROM subscriptions WHERE member_id IN ({ids_query})"
            f" ORDER BY {self._order}",
            params,
        )
        for r in rows:
            subscriptions.setdefault(r["member_id"], []).append(r["tag"])
        return [
            self._member(
                row,
                tuple(identities.get(row["id"], ())),
                tuple(grants.get(row["id"], ())),
                tuple(subscriptions.get(row["id"], ())),
            )
            for row in members
        ]

    def _member(
        self,
        row: Row,
        identities: tuple[Identity, ...],
        stored: tuple[Grant, ...],
        subscriptions: tuple[str, ...],
    ) -> Member:
        joined = bool(row["joined"])
        return Member(
            id=row["id"],
            display_name=row["display_name"],
            lang=row["lang"],
            joined=joined,
            home_platform=row["home_platform"],
            identities=identities,
            grants=effective_grants(
                stored, tuple(i.key for i in identities), self._config_admins, joined
            ),
            subscriptions=subscriptions,
            standing=Standing(row["standing"]),
            sponsor_id=row["sponsor_id"],
            scope=tuple(json.loads(row["scope"] or "[]")),
            prefs=_prefs(row),
            joined_at=row["joined_at"],
        )


def _prefs(row: Row) -> NotifyPrefs:
    start, end = row["quiet_start"], row["quiet_end"]
    return NotifyPrefs(
        notify=row["notify"],
        tz=row["tz"],
        quiet=QuietWindow(int(start), int(end)) if start is not None and end is not None else None,
        digest_at=row["digest_at"],
    )
