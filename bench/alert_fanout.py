"""How long one `/alert` takes to plan and commit its outbox rows (no platform I/O).

The handler writes every delivery in the alert's transaction, so this is the
time between a member's command and the bot's answer, as rooms and subscribers grow.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bot.commands import CommandDispatcher, Registry
from bot.config import NetworkSettings, Settings
from bot.domain import IncomingMessage
from bot.store import Database
from handlers import ROUTERS
from tests.fakes.recording_transport import LIMITS

SIZES = ((10, 100), (100, 1_000), (1_000, 10_000))


async def _measure(rooms: int, members: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        async with Database.open(Path(tmp) / "b.db", frozenset({"fake:admin"})) as db:
            await db.migrate()
            async with db.transaction() as tx:
                for i in range(rooms):
                    await tx.rooms.link("fake", f"#room{i}", f"#room{i}", ("national",))
                for i in range(members):
                    m = await tx.members.resolve("fake", f"u{i}", f"u{i}", None)
                    await tx.members.join(m.id, "fake")
                    await tx.members.set_dm_reachable("fake", f"u{i}", True)
                    await tx.members.subscribe(m.id, ("national",))
            dispatcher = CommandDispatcher(
                db,
                Registry(ROUTERS),
                Settings(Path(tmp) / "b.toml", NetworkSettings(admins=("fake:admin",))),
                {"fake": LIMITS},
            )
            message = IncomingMessage("fake", "#origin", "admin", "admin", "/alert test", False)
            started = time.perf_counter()
            await dispatcher.handle(message)
            elapsed = time.perf_counter() - started
            async with db.transaction() as tx:
                queued = await tx.outbox.busy_count(["fake"], 1e12)
            return elapsed, queued


async def main() -> None:
    print(f"{'rooms':>6} {'members':>8} {'rows':>7} {'alert → answer':>15} {'rows/s':>9}")
    for rooms, members in SIZES:
        elapsed, rows = await _measure(rooms, members)
        print(
            f"{rooms:>6} {members:>8} {rows:>7} {elapsed * 1000:>12.1f} ms {rows / elapsed:>9.0f}"
        )
