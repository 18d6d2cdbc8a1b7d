"""The delivery engine on its own: priorities, pacing, merging, isolation, clean stops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.delivery import DeliveryEngine, SlidingWindow, merge
from bot.domain import Button, OutgoingMessage, SentRef, Target, TargetKind
from bot.store import Database, Priority
from bot.transports.base import PlatformLimits, RateLimited, TransientError
from tests.fakes.engines import target_for
from tests.fakes.recording_transport import RecordingTransport

pytestmark = pytest.mark.both_engines


@pytest.fixture
async def db(store: Database) -> Database:
    """The store on the engine of the run (both engines)."""
    return store


class SlowTransport(RecordingTransport):
    """Answers after `delay` seconds, like a platform across the network."""

    delay: float = 0.0

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super().send(target, message)


@asynccontextmanager
async def engine_for(
    tmp_path: Path, *transports: RecordingTransport
) -> AsyncIterator[tuple[Database, DeliveryEngine]]:
    async with Database.open(target_for(tmp_path, "engine.db")) as db:
        await db.migrate()
        engine = DeliveryEngine(db, {t.platform: t for t in transports})
        task = asyncio.create_task(engine.run())
        try:
            yield db, engine
        finally:
            engine.stop()
            await asyncio.wait_for(task, 15)


async def enqueue(
    db: Database,
    platform: str,
    chats: list[str],
    text: str,
    priority: int,
    kind: TargetKind = TargetKind.USER,
) -> None:
    async with db.transaction() as tx:
        await tx.outbox.enqueue_many(
            [(Target(platform, kind, chat), OutgoingMessage.plain(text), None) for chat in chats],
            priority,
        )


def test_sliding_window_counts_sends_in_flight_and_answers() -> None:
    window = SlidingWindow(2, 1.0)
    assert window.next_free(0.0) == 0.0
    window.acquire()
    window.acquire()
    assert window.next_free(0.0) == float("inf")  # both unanswered
    window.release(0.1)
    assert window.next_free(0.2) == pytest.approx(1.1)  # the answered one must age out
    window.release(0.3)
    assert window.next_free(0.5) == pytest.approx(1.1)
    assert window.next_free(1.2) == 1.2


def test_merge_keeps_parts_readable_and_within_the_limit() -> None:
    parts = [
        OutgoingMessage.plain("alerte 1", is_error=False),
        OutgoingMessage(OutgoingMessage.plain("alerte 2").spans, (Button("ok", "/ack A2"),)),
        OutgoingMessage.plain("x" * 50),
    ]
    merged, used = merge(parts, 30)
    assert used == 2
    assert merged.text == "alerte 1\n\nalerte 2"
    assert merged.buttons == (Button("ok", "/ack A2"),)


def test_a_message_that_merges_with_nothing_goes_out_as_it_was_queued() -> None:
    video = OutgoingMessage(OutgoingMessage.plain("Clip K1").spans, video="/archive/k1.mp4")
    card = OutgoingMessage(OutgoingMessage.plain("A1").spans, mention_tags=("retraites",))
    assert merge([video, OutgoingMessage.plain("ok")], 4000) == (video, 1)  # still a video
    assert merge([card, OutgoingMessage.plain("x" * 50)], 30) == (card, 1)  # still pings


async def test_an_alert_overtakes_a_large_push_in_progress(tmp_path: Path) -> None:
    limits = PlatformLimits(max_text_length=4000, global_rate=400, max_in_flight=4)
    transport = SlowTransport(platform="tg", limits=limits)
    async with engine_for(tmp_path, transport) as (db, engine):
        await enqueue(db, "tg", [f"u{i}" for i in range(1500)], "push", Priority.PUSH)
        engine.wake()
        await asyncio.sleep(0.5)
        await enqueue(db, "tg", ["u42"], "ALERT", Priority.ALERT)
        engine.wake()
        assert await engine.wait_idle(30)
    texts = [r.message.text for r in transport.sent]
    assert len(texts) == 1501
    # Raised with ~1,300 push messages still queued, it went out long before they did.
    assert texts.index("ALERT") < 1000


async def test_a_chat_over_its_rate_gets_merged_messages_and_loses_none(tmp_path: Path) -> None:
    limits = PlatformLimits(
        max_text_length=4096, global_rate=30, per_chat_rate=1, per_group_per_minute=20
    )
    transport = RecordingTransport(platform="tg", limits=limits)
    async with engine_for(tmp_path, transport) as (db, engine):
        for i in range(30):
            await enqueue(db, "tg", ["-100group"], f"Alerte A{i}", Priority.ALERT, TargetKind.ROOM)
            engine.wake()
            await asyncio.sleep(0.05)
        assert await engine.wait_idle(30)
    sends = transport.texts_to("-100group")
    assert len(sends) <= 20
    delivered = [part for text in sends for part in text.split("\n\n")]
    assert delivered == [f"Alerte A{i}" for i in range(30)]


async def test_one_platform_down_does_not_delay_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.delivery.sending.backoff_delay", lambda attempts: 0.2)
    down = RecordingTransport(platform="tg")
    up = RecordingTransport(platform="console")
    down.fail_next(*[TransientError("502 Bad Gateway") for _ in range(20)])
    async with engine_for(tmp_path, down, up) as (db, engine):
        await enqueue(db, "tg", ["a", "b", "c"], "alerte", Priority.ALERT)
        await enqueue(db, "console", ["#x", "#y"], "alerte", Priority.ALERT)
        engine.wake()
        while len(up.sent) < 2:  # noqa: ASYNC110 - polling a plain list, bounded by timeout
            await asyncio.sleep(0.01)
        assert not down.sent  # the console did not wait for Telegram's retries
        assert await engine.wait_idle(30)
    assert len(down.sent) == 3


async def test_a_429_pauses_then_everything_arrives(tmp_path: Path) -> None:
    transport = RecordingTransport(platform="tg")
    transport.fail_next(RateLimited(0.3, whole_platform=True))
    async with engine_for(tmp_path, transport) as (db, engine):
        await enqueue(db, "tg", [f"u{i}" for i in range(10)], "alerte", Priority.ALERT)
        engine.wake()
        assert await engine.wait_idle(10)
        async with db.transaction() as tx:
            counts = await tx.outbox.counts(time.time())
    assert len(transport.sent) == 10
    assert counts[0].failed == 0 and counts[0].queued == 0


async def test_a_clean_stop_is_quick_and_the_rest_is_sent_after_restart(tmp_path: Path) -> None:
    transport = SlowTransport(platform="tg", limits=PlatformLimits(4000, max_in_flight=2))
    transport.delay = 0.2
    async with Database.open(target_for(tmp_path, "engine.db")) as db:
        await db.migrate()
        engine = DeliveryEngine(db, {"tg": transport})
        await enqueue(db, "tg", [f"u{i}" for i in range(200)], "alerte", Priority.ALERT)
        task = asyncio.create_task(engine.run())
        await asyncio.sleep(0.5)
        started = time.monotonic()
        engine.stop()
        await asyncio.wait_for(task, 10)
        stopped_in = time.monotonic() - started
        first_run = len(transport.sent)
        transport.delay = 0.0
        engine = DeliveryEngine(db, {"tg": transport})
        assert await engine.recover() == 0  # nothing left claimed after a clean stop
        task = asyncio.create_task(engine.run())
        assert await engine.wait_idle(30)
        engine.stop()
        await asyncio.wait_for(task, 10)
    assert stopped_in < 10
    assert 0 < first_run < 200
    addresses = [r.target.address for r in transport.sent]
    assert sorted(addresses) == sorted(f"u{i}" for i in range(200))  # each exactly once


async def test_editing_a_merged_message_sends_the_change_instead(tmp_path: Path) -> None:
    limits = PlatformLimits(max_text_length=4096, per_chat_rate=1)
    transport = RecordingTransport(platform="tg", limits=limits)
    async with engine_for(tmp_path, transport) as (db, engine):
        async with db.transaction() as tx:
            room = Target("tg", TargetKind.ROOM, "-1")
            first = await tx.outbox.enqueue(room, OutgoingMessage.plain("A1"), Priority.ALERT)
            await tx.outbox.enqueue(room, OutgoingMessage.plain("A2"), Priority.ALERT)
        engine.wake()
        assert await engine.wait_idle(10)
        async with db.transaction() as tx:
            await tx.outbox.enqueue(
                room, OutgoingMessage.plain("[annulée] A1"), Priority.ALERT, edit_of=first
            )
        engine.wake()
        assert await engine.wait_idle(10)
    assert transport.texts_to("-1") == ["A1\n\nA2", "[annulée] A1"]
    assert transport.edits == []


def test_429s_from_two_chats_at_once_pause_the_whole_platform() -> None:
    from bot.delivery import Pacer

    clock = [100.0]
    pacer = Pacer(PlatformLimits(4096, global_rate=30), clock=lambda: clock[0])
    pacer.rate_limited(5.0, "chat-a")
    assert pacer.global_ready_at(100.0) == 100.0  # one chat: only that chat waits
    assert pacer.chat_ready_at("chat-a", False, 100.0) == 105.0
    clock[0] = 100.5
    pacer.rate_limited(5.0, "chat-b")
    assert pacer.global_ready_at(100.5) == 105.5  # two chats within a second: everyone waits


async def test_a_video_is_skipped_where_the_platform_takes_no_uploads(tmp_path: Path) -> None:
    transport = RecordingTransport(platform="irc")  # can_upload is False
    async with engine_for(tmp_path, transport) as (db, engine):
        async with db.transaction() as tx:
            row_id = await tx.outbox.enqueue(
                Target("irc", TargetKind.ROOM, "#x"),
                OutgoingMessage(OutgoingMessage.plain("K1").spans, video="/archive/k1.mp4"),
                Priority.REPLY,
            )
        engine.wake()
        assert await engine.wait_idle(10)
        async with db.transaction() as tx:
            row = await tx.outbox.get(row_id)
            rooms = await tx.rooms.all()
    assert transport.sent == []
    assert row is not None and row.status == "skipped"
    assert rooms == []  # nothing marked unreachable


async def test_old_delivered_rows_are_purged_but_pending_work_is_kept(tmp_path: Path) -> None:
    async with Database.open(target_for(tmp_path, "purge.db")) as db:
        await db.migrate()
        room = Target("tg", TargetKind.ROOM, "-1")
        async with db.transaction() as tx:
            old = await tx.outbox.enqueue(room, OutgoingMessage.plain("old"), Priority.ALERT)
            edited = await tx.outbox.enqueue(room, OutgoingMessage.plain("A1"), Priority.ALERT)
            pending = await tx.outbox.enqueue(room, OutgoingMessage.plain("new"), Priority.ALERT)
            await tx.outbox.claim_due("tg", 1e12, 2, 60)
            from bot.store.outbox import Sent

            await tx.outbox.record([Sent(old, None, 1.0), Sent(edited, None, 1.0)])
            await tx.outbox.enqueue(
                room, OutgoingMessage.plain("[annulée] A1"), Priority.ALERT, edit_of=edited
            )
        later = time.time() + 40 * 86_400
        engine = DeliveryEngine(db, {}, clock=lambda: later, keep_days=30)
        assert await engine.purge() == 1
        async with db.transaction() as tx:
            assert await tx.outbox.get(old) is None
            assert await tx.outbox.get(edited) is not None  # an edit still needs it
            assert await tx.outbox.get(pending) is not None
