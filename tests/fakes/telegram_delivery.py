"""The real Telegram transport inside a real DeliveryEngine, against the fake Bot API.

Shared by the delivery tests and `bench/telegram_pacing.py`: subscribers are
bulk-inserted straight into SQLite (the way `bench/fanout.py` does it: the
point is the delivery, not the import), and the engine drains outbox rows
through python-telegram-bot over real sockets.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.config import Secret, TelegramSettings
from bot.delivery import DeliveryEngine
from bot.domain import IncomingMessage, OutgoingMessage, Target, TargetKind
from bot.store import Database
from bot.transports.base import Transport
from bot.transports.telegram import TelegramTransport

FIRST_USER = 100_000
"""Telegram user ids of the bulk subscribers: FIRST_USER, FIRST_USER + 1, ..."""


def populate_subscribers(path: Path, telegram: int, *, tag: str = "national") -> list[int]:
    """`telegram` joined members at home on Telegram, DM-reachable, subscribed to `tag`."""
    conn = sqlite3.connect(path)
    now = time.time()
    users = [FIRST_USER + i for i in range(telegram)]
    with conn:
        start = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM members").fetchone()[0]) + 1
        conn.executemany(
            "INSERT INTO members (id, display_name, lang, joined, home_platform, created_at)"
            " VALUES (?, ?, NULL, 1, 'telegram', ?)",
            [(start + i, f"m{i}", now) for i in range(telegram)],
        )
        conn.executemany(
            "INSERT INTO identities (platform, user_id, member_id, display_name, dm_reachable)"
            " VALUES ('telegram', ?, ?, ?, 1)",
            [(str(user), start + i, f"m{i}") for i, user in enumerate(users)],
        )
        conn.executemany(
            "INSERT INTO subscriptions (member_id, tag) VALUES (?, ?)",
            [(start + i, tag) for i in range(telegram)],
        )
    conn.close()
    return users


def link_console_rooms(path: Path, rooms: list[str], *, tag: str = "national") -> None:
    conn = sqlite3.connect(path)
    now = time.time()
    with conn:
        for room in rooms:
            cur = conn.execute(
                "INSERT INTO rooms (platform, chat_id, title, linked_at)"
                " VALUES ('console', ?, ?, ?)",
                (room, room, now),
            )
            conn.execute(
                "INSERT INTO room_tags (room_id, tag) VALUES (?, ?)", (cur.lastrowid, tag)
            )
    conn.close()


def telegram_settings(base_url: str, token: str, **overrides: Any) -> TelegramSettings:
    values: dict[str, Any] = {
        "enabled": True,
        "token": Secret(token),
        "base_url": base_url,
        "base_file_url": base_url.replace("/bot", "/file/bot"),
        "poll_timeout": 5.0,
        "request_timeout": 5.0,
        "set_commands": False,
    }
    values.update(overrides)
    return TelegramSettings(**values)


class NullInbox:
    """Updates are not the point here: they are counted and dropped."""

    def __init__(self) -> None:
        self.received: list[IncomingMessage] = []

    async def handle(self, message: IncomingMessage) -> None:
        self.received.append(message)

    async def chat_moved(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        return None


@dataclass
class Delivering:
    db: Database
    engine: DeliveryEngine
    telegram: TelegramTransport

    async def enqueue(
        self,
        chats: list[int] | list[str],
        texts: str | list[str],
        priority: int,
        *,
        kind: TargetKind = TargetKind.USER,
        platform: str = "telegram",
        subject: str | None = None,
    ) -> None:
        """One row per chat (the same text), or one row per text (the same single chat)."""
        if isinstance(texts, str):
            rows = [
                (Target(platform, kind, str(chat)), OutgoingMessage.plain(texts), None)
                for chat in chats
            ]
        else:
            (chat,) = chats
            rows = [
                (Target(platform, kind, str(chat)), OutgoingMessage.plain(text), None)
                for text in texts
            ]
        async with self.db.transaction() as tx:
            await tx.outbox.enqueue_many(rows, priority, subject=subject)
        self.engine.wake()


@asynccontextmanager
async def delivering(
    db_path: Path,
    base_url: str,
    token: str,
    *,
    others: Mapping[str, Transport] | None = None,
    **settings: Any,
) -> AsyncIterator[Delivering]:
    """A started TelegramTransport (long polling the fake) and an engine running on it."""
    transport = TelegramTransport(telegram_settings(base_url, token, **settings))
    async with Database.open(db_path) as db:
        await db.migrate()
        await transport.start(NullInbox())
        try:
            engine = DeliveryEngine(db, {"telegram": transport, **(others or {})})
            task = asyncio.create_task(engine.run(), name="delivery-under-test")
            try:
                yield Delivering(db, engine, transport)
            finally:
                engine.stop()
                await asyncio.wait_for(task, 15)
        finally:
            await transport.stop()
