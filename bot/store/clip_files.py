"""The web address of archived clips: one unguessable token per clip, kept for good."""

from __future__ import annotations

import secrets
import time

from bot.store.connection import Connection

TOKEN_BYTES = 24


class ClipFileRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def token_for(self, clip_id: int) -> str:
        """The clip's token, made the first time it is asked for."""
        row = await self._conn.fetchone(
            "SELECT token FROM clip_files WHERE clip_id = ?", (clip_id,)
        )
        if row is not None:
            return str(row[0])
        token = secrets.token_urlsafe(TOKEN_BYTES)
        await self._conn.execute(
            "INSERT INTO clip_files (clip_id, token, created_at) VALUES (?, ?, ?)",
            (clip_id, token, time.time()),
        )
        return token

    async def clip_id(self, token: str) -> int | None:
        """The clip behind a token, if any."""
        row = await self._conn.fetchone(
            "SELECT clip_id FROM clip_files WHERE token = ?", (token,)
        )
        return None if row is None else int(row[0])
