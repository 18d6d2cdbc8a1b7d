from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.store import Database

_LOOPBACK_PREFIXES = ("127.", "::1", "localhost")
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    is_remote = isinstance(host, str) and host != "" and not host.startswith(_LOOPBACK_PREFIXES)
    if is_remote and self.family in (socket.AF_INET, socket.AF_INET6):
        raise OSError(f"tests must not reach the network (tried {host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like python-telegram-bot's OfflineRequest: any non-loopback connection fails."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database.open(tmp_path / "test.db", frozenset({"console:alice"})) as database:
        await database.migrate()
        yield database
