"""One running Riposte per database file, and what it says about itself.

Two processes delivering from one outbox would send everything twice, so
`riposte run` takes an exclusive lock on a file beside the database
(`riposte.db.lock`) for as long as it runs; a second one is refused. The
operating system drops the lock when the process dies, even by `kill -9`, so a
crash never leaves a stale lock behind. Holding it is also what lets a start
take back every claim a previous process left: that process is gone.

The running process writes a heartbeat row that `riposte status` and
`riposte health` read.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.store.connection import Connection


class AlreadyRunning(RuntimeError):
    """Another process holds the database's instance lock."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class InstanceLock:
    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock now or raise AlreadyRunning (never waits)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyRunning(
                f"{self.database}: another riposte is already running on this database "
                f"({holder}); stop it first, or give this one its own [storage] database"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def is_locked(database: Path) -> bool:
    """Does a running process hold the database's lock? (Never creates the lock file.)"""
    try:
        fd = os.open(lock_path(database), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class RunningInstance:
    owner: str
    pid: int
    host: str
    started_at: float
    heartbeat_at: float
    stopped_at: float | None


@dataclass(frozen=True, slots=True)
class TransportLink:
    platform: str
    up: bool
    down_since: float | None
    checked_at: float


class RunningInstanceRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def started(self, owner: str) -> None:
        now = time.time()
        await self._conn.execute(
            "INSERT INTO running_instance (id, owner, pid, host, started_at, heartbeat_at)"
            " VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET owner = excluded.owner,"
            " pid = excluded.pid, host = excluded.host, started_at = excluded.started_at,"
            " heartbeat_at = excluded.heartbeat_at, stopped_at = NULL",
            (owner, os.getpid(), socket.gethostname(), now, now),
        )

    async def beat(self, owner: str) -> None:
        await self._conn.execute(
            "UPDATE running_instance SET heartbeat_at = ? WHERE id = 1 AND owner = ?",
            (time.time(), owner),
        )

    async def stopped(self, owner: str) -> None:
        await self._conn.execute(
            "UPDATE running_instance SET stopped_at = ? WHERE id = 1 AND owner = ?",
            (time.time(), owner),
        )

    async def record_links(self, states: Mapping[str, tuple[bool, float | None]]) -> None:
        """Each platform's link now: up, or down since when (`riposte status`, `health`)."""
        now = time.time()
        for platform, (up, down_since) in states.items():
            await self._conn.execute(
                "INSERT INTO transport_links (platform, up, down_since, checked_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(platform) DO UPDATE SET up = excluded.up,"
                " down_since = excluded.down_since, checked_at = excluded.checked_at",
                (platform, int(up), down_since, now),
            )

    async def links(self, since: float) -> list[TransportLink]:
        """The links recorded at or after `since` (older rows are of a process gone)."""
        rows = await self._conn.fetchall(
            "SELECT platform, up, down_since, checked_at FROM transport_links"
            " WHERE checked_at >= ? ORDER BY platform",
            (since,),
        )
        return [TransportLink(str(r[0]), bool(r[1]), r[2], float(r[3])) for r in rows]

    async def current(self) -> RunningInstance | None:
        row = await self._conn.fetchone(
            "SELECT owner, pid, host, started_at, heartbeat_at, stopped_at"
            " FROM running_instance WHERE id = 1"
        )
        return None if row is None else RunningInstance(*row)
