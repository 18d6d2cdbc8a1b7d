from __future__ import annotations

import time
from collections.abc import Iterable

import aiosqlite

from bot.domain.members import Identity, Member, effective_grants
from bot.domain.roles import Grant, Role


def _identity(row: aiosqlite.Row) -> Identity:
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

    def __init__(self, conn: aiosqlite.Connection, config_admins: frozenset[str]) -> None:
        self._conn = conn
        self._config_admins = config_admins

    async def get(self, member_id: int) -> Member | None:
        async with self._conn.execute("SELECT * FROM members WHERE id = ?", (member_id,)) as cur:
            row = await cur.fetchone()
        return None if row is None else await self._load(row)

    async def _load(self, row: aiosqlite.Row) -> Member:
        member_id = row["id"]
        async with self._conn.execute(
            "SELECT * FROM identities WHERE member_id = ? ORDER BY rowid", (member_id,)
        ) as cur:
            identities = tuple(_identity(r) for r in await cur.fetchall())
        async with self._conn.execute(
            "SELECT role, scope FROM grants WHERE member_id = ? ORDER BY role DESC, scope",
            (member_id,),
        ) as cur:
            stored = tuple(Grant(Role(r["role"]), r["scope"] or None) for r in await cur.fetchall())
        async with self._conn.execute(
            "SELECT tag FROM subscriptions WHERE member_id = ? ORDER BY rowid", (member_id,)
        ) as cur:
            subscriptions = tuple(r["tag"] for r in await cur.fetchall())
        joined = bool(row["joined"])
        return Member(
            id=member_id,
            display_name=row["display_name"],
            lang=row["lang"],
            joined=joined,
            home_platform=row["home_platform"],
            identities=identities,
            grants=effective_grants(
                stored, tuple(i.key for i in identities), self._config_admins, joined
            ),
            subscriptions=subscriptions,
        )

    async def resolve(
        self, platform: str, user_id: str, display_name: str, username: str | None
    ) -> Member:
        """The member behind a platform identity, created on first sight."""
        async with self._conn.execute(
            "SELECT member_id, display_name, username FROM identities"
            " WHERE platform = ? AND user_id = ?",
            (platform, user_id),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            cur = await self._conn.execute(
                "INSERT INTO members (display_name, created_at) VALUES (?, ?)",
                (display_name, time.time()),
            )
            member_id = cur.lastrowid
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
        member = await self.get(int(member_id))  # type: ignore[arg-type]
        assert member is not None
        return member

    async def find(self, platform: str, handle: str) -> list[Member]:
        """Members a `@handle` may mean on this platform: user id, username, display name."""
        handle = handle.lstrip("@")
        async with self._conn.execute(
            "SELECT DISTINCT member_id FROM identities WHERE platform = ? AND"
            " (user_id = ? OR username = ? COLLATE NOCASE OR display_name = ? COLLATE NOCASE)",
            (platform, handle, handle, handle),
        ) as cur:
            ids = [r["member_id"] for r in await cur.fetchall()]
        found = [await self.get(member_id) for member_id in ids]
        return [member for member in found if member is not None]

    async def network_admins(self) -> list[Member]:
        """Admins of the whole network: unscoped admin grants, and the config's admins."""
        keys = sorted(self._config_admins)
        marks = ", ".join("?" * len(keys)) or "NULL"
        async with self._conn.execute(
            "SELECT member_id FROM grants WHERE role >= ? AND (scope IS NULL OR scope = '')"
            " UNION SELECT member_id FROM identities"
            f" WHERE platform || ':' || user_id IN ({marks}) ORDER BY member_id",
            (int(Role.ADMIN), *keys),
        ) as cur:
            ids = [int(r[0]) for r in await cur.fetchall()]
        found = [await self.get(member_id) for member_id in ids]
        return [member for member in found if member is not None]

    async def join(self, member_id: int, home_platform: str) -> None:
        await self._conn.execute(
            "UPDATE members SET joined = 1, home_platform = ? WHERE id = ?",
            (home_platform, member_id),
        )

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
            "INSERT OR IGNORE INTO grants (member_id, role, scope) VALUES (?, ?, ?)",
            (member_id, int(role), scope or ""),
        )

    async def revoke(self, member_id: int, scope: str | None) -> int:
        """Drop privileged grants: all of them, or those limited to `scope`."""
        if scope is None:
            cur = await self._conn.execute("DELETE FROM grants WHERE member_id = ?", (member_id,))
        else:
            cur = await self._conn.execute(
                "DELETE FROM grants WHERE member_id = ? AND scope = ?", (member_id, scope)
            )
        return cur.rowcount

    async def subscribe(self, member_id: int, tags: Iterable[str]) -> None:
        await self._conn.executemany(
            "INSERT OR IGNORE INTO subscriptions (member_id, tag) VALUES (?, ?)",
            [(member_id, tag) for tag in tags],
        )

    async def unsubscribe(self, member_id: int, tags: Iterable[str] | None) -> int:
        if tags is None:
            cur = await self._conn.execute(
                "DELETE FROM subscriptions WHERE member_id = ?", (member_id,)
            )
            return cur.rowcount
        removed = 0
        for tag in tags:
            cur = await self._conn.execute(
                "DELETE FROM subscriptions WHERE member_id = ? AND tag = ?", (member_id, tag)
            )
            removed += cur.rowcount
        return removed

    async def subscribers(self) -> list[Member]:
        """Every joined member with a subscription, loaded in four queries whatever their number."""
        async with self._conn.execute(
            "SELECT m.* FROM members m WHERE m.joined = 1 AND EXISTS"
            " (SELECT 1 FROM subscriptions s WHERE s.member_id = m.id) ORDER BY m.id"
        ) as cur:
            rows = await cur.fetchall()
        wanted = "SELECT member_id FROM subscriptions"
        identities: dict[int, list[Identity]] = {}
        async with self._conn.execute(
            f"SELECT * FROM identities WHERE member_id IN ({wanted}) ORDER BY rowid"
        ) as cur:
            for r in await cur.fetchall():
                identities.setdefault(r["member_id"], []).append(_identity(r))
        grants: dict[int, list[Grant]] = {}
        async with self._conn.execute(
            f"SELECT member_id, role, scope FROM grants WHERE member_id IN ({wanted})"
        ) as cur:
            for r in await cur.fetchall():
                grants.setdefault(r["member_id"], []).append(
                    Grant(Role(r["role"]), r["scope"] or None)
                )
        subscriptions: dict[int, list[str]] = {}
        async with self._conn.execute(
            "SELECT member_id, tag FROM subscriptions ORDER BY rowid"
        ) as cur:
            for r in await cur.fetchall():
                subscriptions.setdefault(r["member_id"], []).append(r["tag"])
        members: list[Member] = []
        for row in rows:
            member_id = row["id"]
            owned = tuple(identities.get(member_id, ()))
            members.append(
                Member(
                    id=member_id,
                    display_name=row["display_name"],
                    lang=row["lang"],
                    joined=True,
                    home_platform=row["home_platform"],
                    identities=owned,
                    grants=effective_grants(
                        tuple(grants.get(member_id, ())),
                        tuple(i.key for i in owned),
                        self._config_admins,
                        True,
                    ),
                    subscriptions=tuple(subscriptions.get(member_id, ())),
                )
            )
        return members
