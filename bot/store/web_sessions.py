"""Dashboard login links and sessions.

Secrets are kept as sha256 hashes only: whoever reads the database can open
no session with what is stored. A login link works once and for a few
minutes; a session lasts a fixed time from the login and ends at logout.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from bot.store.connection import Connection

SECRET_BYTES = 32


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class WebSession:
    member_id: int
    csrf: str
    lang: str | None
    expires_at: float


class LoginState:
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class WebSessionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def new_login(self, member_id: int, now: float, valid_for: float) -> str:
        """A single-use login secret for this member (what the link carries)."""
        token = secrets.token_urlsafe(SECRET_BYTES)
        await self._conn.execute(
            "INSERT INTO web_logins (token_hash, member_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (_hash(token), member_id, now, now + valid_for),
        )
        return token

    async def logins_since(self, member_id: int, since: float) -> int:
        row = await self._conn.fetchone(
            "SELECT COUNT(*) FROM web_logins WHERE member_id = ? AND created_at > ?",
            (member_id, since),
        )
        return int(row[0]) if row else 0

    async def login_state(self, token: str, now: float) -> str:
        """Whether a login link may still be used, without using it."""
        row = await self._conn.fetchone(
            "SELECT expires_at, used_at FROM web_logins WHERE token_hash = ?", (_hash(token),)
        )
        if row is None:
            return LoginState.UNKNOWN
        if row[1] is not None:
            return LoginState.USED
        if now >= row[0]:
            return LoginState.EXPIRED
        return LoginState.VALID

    async def use_login(self, token: str, now: float) -> int | None:
        """Spend a login link: its member, or None when it is unknown, used or expired.

        One conditional update: two tabs opening the same link get one session.
        """
        row = await self._conn.fetchone(
            "UPDATE web_logins SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
            " AND expires_at > ? RETURNING member_id",
            (now, _hash(token), now),
        )
        return None if row is None else int(row[0])

    async def open(
        self, member_id: int, lang: str | None, now: float, lasts: float
    ) -> tuple[str, WebSession]:
        """A new session: its cookie value (the only copy) and what is kept of it."""
        cookie = secrets.token_urlsafe(SECRET_BYTES)
        csrf = secrets.token_urlsafe(SECRET_BYTES)
        await self._conn.execute(
            "INSERT INTO web_sessions (id_hash, member_id, csrf, lang, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (_hash(cookie), member_id, csrf, lang, now, now + lasts),
        )
        return cookie, WebSession(member_id, csrf, lang, now + lasts)

    async def get(self, cookie: str, now: float) -> WebSession | None:
        """The live session of this cookie, or None (unknown, ended or expired)."""
        row = await self._conn.fetchone(
            "SELECT member_id, csrf, lang, expires_at FROM web_sessions WHERE id_hash = ?"
            " AND ended_at IS NULL AND expires_at > ?",
            (_hash(cookie), now),
        )
        return None if row is None else WebSession(int(row[0]), row[1], row[2], row[3])

    async def set_lang(self, cookie: str, lang: str) -> None:
        await self._conn.execute(
            "UPDATE web_sessions SET lang = ? WHERE id_hash = ?", (lang, _hash(cookie))
        )

    async def end(self, cookie: str, now: float) -> None:
        await self._conn.execute(
            "UPDATE web_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL",
            (now, _hash(cookie)),
        )

    async def purge(self, before: float) -> int:
        """Forget logins and sessions that ended before `before`."""
        changed = await self._conn.execute(
            "DELETE FROM web_logins WHERE expires_at < ?", (before,)
        )
        deleted = changed
        changed = await self._conn.execute(
            "DELETE FROM web_sessions WHERE expires_at < ? OR ended_at < ?", (before, before)
        )
        return deleted + changed
