"""The delivery engine's grouping for multi-target transports (what IRC's TARGMAX uses)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.delivery import DeliveryEngine
from bot.domain.messages import OutgoingMessage, SentRef, Target, TargetKind
from bot.store import Database
from bot.store.outbox import Priority
from bot.transports.base import Inbox, PlatformLimits, TransientError


class _Recorder:
    """A transport that can send to several rooms at once, failing on demand."""

    platform = "irc"
    limits = PlatformLimits(max_text_length=400, can_edit=False)
    max_targets = 8

    def __init__(self, fail_many: bool) -> None:
        self.fail_many = fail_many
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    @property
    def bot_username(self) -> str | None:
        return None

    async def start(self, inbox: Inbox) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        self.calls.append(("one", (target.address,)))
        return SentRef("irc", target.address, ("1",))

    async def edit(self, ref: SentRef, message: OutgoingMessage) -> None: ...

    async def send_many(self, targets: Sequence[Target], message: OutgoingMessage) -> list[SentRef]:
        if self.fail_many:
            raise TransientError("link lost")
        self.calls.append(("many", tuple(t.address for t in targets)))
        return [SentRef("irc", t.address, ("1",)) for t in targets]


async def _relay(db: Database, transport: _Recorder) -> list[str]:
    rooms = ["#a", "#b", "#c"]
    async with db.transaction() as tx:
        for room in rooms:
            await tx.outbox.enqueue(
                Target("irc", TargetKind.ROOM, room),
                OutgoingMessage.plain("alerte"),
                Priority.ALERT,
            )
        await tx.outbox.enqueue(
            Target("irc", TargetKind.ROOM, "#d"), OutgoingMessage.plain("autre"), Priority.ALERT
        )
    engine = DeliveryEngine(db, {"irc": transport})
    task = asyncio.create_task(engine.run())
    assert await engine.wait_idle(10)
    engine.stop()
    await task
    async with db.transaction() as tx:
        return [(await tx.outbox.get(i)).status for i in range(1, 5)]  # type: ignore[union-attr]


async def test_copies_of_one_message_to_several_rooms_go_in_one_call(db: Database) -> None:
    transport = _Recorder(fail_many=False)
    assert await _relay(db, transport) == ["sent"] * 4
    assert transport.calls == [("many", ("#a", "#b", "#c")), ("one", ("#d",))]


async def test_when_the_grouped_send_fails_each_room_is_tried_alone(db: Database) -> None:
    transport = _Recorder(fail_many=True)
    assert await _relay(db, transport) == ["sent"] * 4
    # Sends run concurrently: "#d" (another message) may go while the group is retried.
    assert sorted(transport.calls) == [
        ("one", ("#a",)),
        ("one", ("#b",)),
        ("one", ("#c",)),
        ("one", ("#d",)),
    ]
