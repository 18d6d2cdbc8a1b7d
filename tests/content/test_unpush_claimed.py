"""`unpush` and `cancel` reach the copies a delivery worker already holds in memory.

A worker claims due rows by the hundred and sends them as its platform allows. Here the
platform is slow: the sends of the post hang until the test lets them answer, so the
worker sits on its claims when the coordinator changes their mind.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.delivery.worker import CLEAR_AHEAD_SECONDS
from bot.domain import OutgoingMessage, SentRef, Target, TargetKind
from bot.store import Database
from bot.store.outbox import Retry, Sent
from tests.content.conftest import PushNet, push_network
from tests.fakes.recording_transport import RecordingTransport

pytestmark = pytest.mark.both_engines

POST = "Le vrai chiffre https://blog.example.org/vrai"
ROOMS = [f"#paris{n}" for n in range(1, 15)]
"""More rooms than sends in flight at once (8): the others wait in the worker's memory."""


@dataclass
class SlowPlatform(RecordingTransport):
    """Sends whose text starts with `slow` are held until `answer` is set."""

    slow: str | tuple[str, ...] = "\x00"
    answer: asyncio.Event = field(default_factory=asyncio.Event)
    started: list[str] = field(default_factory=list)
    """Where a held send had started (the platform received the request)."""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        if message.text.startswith(self.slow):
            self.started.append(target.address)
            self.arrived.set()
            await self.answer.wait()
        return await super().send(target, message)


async def _rooms(net: PushNet) -> None:
    for room in ROOMS:
        await net.say(room, "alice", "/link dept:075")


async def _quiet() -> None:
    """A worker clears copies about `CLEAR_AHEAD_SECONDS` of its recent pace ahead of their
    send; the replies of the setup went out at full speed just now, and the platform is
    about to stall: let that pace be forgotten, as after any quiet moment."""
    await asyncio.sleep(CLEAR_AHEAD_SECONDS + 0.1)


async def _held(platform: SlowPlatform, count: int) -> None:
    async def enough() -> None:
        while len(platform.started) < count:
            platform.arrived.clear()
            await platform.arrived.wait()

    await asyncio.wait_for(enough(), 10)


async def test_unpush_stops_copies_already_claimed_and_says_exactly_what_went_out(
    tmp_path: Path,
) -> None:
    platform = SlowPlatform(slow=POST)
    async with push_network(tmp_path, transport=platform) as net:
        await _rooms(net)
        await net.say("#paris", "paul", f"/submit {POST}")
        await net.say("#paris", "claire", "/approve C1")
        await net.say("#paris", "claire", "/push C1 now to #dept:075")
        await _quiet()
        await net.bot.timers.fire_due()
        net.bot.engine.wake()
        await _held(platform, 8)
        await asyncio.sleep(0.2)  # the worker holds every other copy claimed, unsent
        async with net.bot.db.reading() as tx:
            claimed = await tx.pushes.copy_counts("push-run:1")
        assert claimed.get("sending", 0) == len(ROOMS) + 1  # #paris itself too

        await platform.say("#paris", "claire", "/unpush P1")
        on_their_way = sorted(platform.started)
        platform.answer.set()
        assert await net.bot.engine.wait_idle(10)

        got_it = sorted(r.target.address for r in platform.sent if r.message.text == POST)
        answer = next(t for t in net.texts("#paris") if t.startswith("P1 annulée"))
        first, counted = answer.splitlines()
        assert first == "P1 annulée : rien d'autre n'en partira. Déjà parti :"
        said = re.fullmatch(
            r"  (\d+) copies dont l'envoi avait commencé \(elles partent\)", counted
        )
        assert said is not None, counted
        # What the answer counts is what went: the sends already started, and at most the
        # half second of sending the worker had cleared ahead; never the others.
        out = int(said.group(1))
        assert set(on_their_way) <= set(got_it) and len(got_it) == out
        assert 8 <= out < len(ROOMS) + 1
        async with net.bot.db.reading() as tx:
            counts = await tx.pushes.copy_counts("push-run:1")
        assert counts == {"sent": out, "skipped": len(ROOMS) + 1 - out}
        # Nothing comes later either: the worker dropped what it held.
        net.bot.engine.wake()
        assert await net.bot.engine.wait_idle(10)
        assert sorted(r.target.address for r in platform.sent if r.message.text == POST) == got_it


async def test_a_cancelled_alert_reaches_claimed_rooms_as_cancelled_not_as_the_alert(
    tmp_path: Path,
) -> None:
    # Every send from the alert on is held (its copies and the answer to #paris): nothing
    # answered lately, so the worker clears one copy per free send slot, none ahead.
    platform = SlowPlatform(slow=("🚨", "Alerte "))
    async with push_network(tmp_path, transport=platform) as net:
        await _rooms(net)
        await _quiet()
        await platform.say("#paris", "claire", "/alert Député X dit n'importe quoi #dept:075")
        await _held(platform, 8)
        await asyncio.sleep(0.2)
        await platform.say("#paris", "claire", "/cancel A1")
        held = set(platform.started)
        platform.answer.set()
        assert await net.bot.engine.wait_idle(10)

        live = {room for room in ROOMS if any(t.startswith("🚨") for t in net.texts(room))}
        # Out before the cancel: the alert, then corrected in place by an edit.
        assert live == held & set(ROOMS) and len(live) < len(ROOMS)
        edited = {ref.chat_id for ref, _ in platform.edits}
        assert edited & set(ROOMS) == live
        for room in set(ROOMS) - live:
            # Still in the worker's memory at the cancel: only ever the cancelled card.
            assert any("annulée" in t for t in net.texts(room)), room


async def test_the_go_ahead_and_a_cancellation_settle_each_copy_once_whoever_claimed_it(
    store: Database,
) -> None:
    """The rule between any worker process and `unpush`, in the store: a copy is either
    cleared to go (and counted as on its way) or stopped, never both, never neither; one
    cleared and then given back is skipped rather than sent after the answer."""
    rooms = [Target("telegram", TargetKind.ROOM, f"-10{n}") for n in range(4)]
    post = OutgoingMessage.plain(POST)
    async with store.transaction() as tx:
        await tx.outbox.enqueue_many([(r, post, "fr") for r in rooms], 30, subject="push-run:7")
    async with store.transaction() as tx:
        claimed = await tx.outbox.claim_due("telegram", 1e12, 10, 30, owner="other-process")
    first, second, *rest = [row.id for row in claimed]
    async with store.transaction() as tx:
        assert set(await tx.outbox.clear_to_send([first, second], "other-process")) == {
            first,
            second,
        }
    async with store.transaction() as tx:
        assert await tx.pushes.skip_pending_copies("push-run:7") == len(rest)
        assert await tx.pushes.copies_out("push-run:7") == (0, 2)
    async with store.transaction() as tx:
        assert await tx.outbox.clear_to_send(rest, "other-process") == {}
        await tx.outbox.record(
            [Sent(first, None, 1.0), Retry(second, 0.0, "timeout")], owner="other-process"
        )
    async with store.transaction() as tx:
        assert await tx.pushes.copy_counts("push-run:7") == {"sent": 1, "skipped": 3}
        assert await tx.outbox.claim_due("telegram", 1e12, 10, 30, owner="another") == []


async def test_unpush_stops_share_kits_not_yet_sent_and_drops_their_tasks(
    tmp_path: Path,
) -> None:
    # The kits and the room copy of the push are held: nothing answered lately, so the
    # worker clears one kit per free send slot, none ahead.
    platform = SlowPlatform(slow=("🔗", POST))
    sharers = [f"amp{n}" for n in range(1, 21)]
    async with push_network(tmp_path, transport=platform) as net:
        for who in sharers:
            await net.say("#paris", who, "/join")
            await net.say("#paris", who, "/subscribe share")
        await net.say("#paris", "paul", f"/submit {POST}")
        await net.say("#paris", "claire", "/approve C1")
        await net.say("#paris", "claire", "/push C1 now to #dept:075")
        await _quiet()
        await net.bot.timers.fire_due()
        net.bot.engine.wake()
        await _held(platform, 8)
        await asyncio.sleep(0.2)  # the other kits wait in the worker's memory

        await platform.say("#paris", "claire", "/unpush P1")
        on_their_way = {who for who in platform.started if who.startswith("amp")}
        platform.answer.set()
        assert await net.bot.engine.wait_idle(10)
        net.bot.engine.wake()
        assert await net.bot.engine.wait_idle(10)

        answer = next(t for t in net.texts("#paris") if t.startswith("P1 annulée"))
        said = re.search(r"  (\d+) kits de partage déjà envoyés", answer)
        assert said is not None, answer
        out = int(said.group(1))
        # What the answer counts is what went: the kits whose send had started, never
        # the others.
        kits = [r.target.address for r in platform.sent if r.message.text.startswith("🔗")]
        assert len(kits) == len(set(kits)) == out
        assert set(kits) == on_their_way and out < len(sharers)
        async with net.bot.db.reading() as tx:
            rows = await tx._conn.fetchall(
                "SELECT status, COUNT(*) FROM tasks WHERE kind = 'share' GROUP BY status"
            )
        # Those who got a kit keep their share task; nobody is asked for the others.
        assert dict((str(s), int(n)) for s, n in rows) == {
            "claimed": out,
            "dropped": len(sharers) - out,
        }
