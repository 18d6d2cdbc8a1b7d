"""Durable timers: once, never after a cancel, late rather than never, rows the truth."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.scheduler import Firing, TimerService, cancel, schedule
from bot.store import Database, Tx
from tests.fakes.clock import FakeClock
from tests.fakes.engines import target_for

pytestmark = pytest.mark.both_engines


@pytest.fixture
async def db(store: Database) -> Database:
    """The store on the engine of the run (both engines)."""
    return store


class Recorder:
    """A timer handler that writes an audit row (an effect to roll back) and remembers."""

    def __init__(self, fail: int = 0) -> None:
        self.firings: list[Firing] = []
        self.fail = fail
        self.fired = asyncio.Event()

    async def __call__(self, tx: Tx, firing: Firing) -> None:
        await tx.audit.record(
            platform="test",
            user_id="timer",
            member_id=None,
            chat_id="-",
            command=firing.timer.kind,
            outcome="fired",
            detail=firing.timer.subject,
        )
        if self.fail:
            self.fail -= 1
            raise RuntimeError("handler broke")
        self.firings.append(firing)
        self.fired.set()


async def _effects(db: Database) -> list[str]:
    async with db.transaction() as tx:
        return [str(row["detail"]) for row in await tx.audit.recent() if row["user_id"] == "timer"]


async def _state(db: Database, timer_id: int) -> str:
    async with db.transaction() as tx:
        timer = await tx.timers.get(timer_id)
    assert timer is not None
    return timer.state.value


async def test_a_due_timer_fires_once_with_its_payload_and_knows_how_late(db: Database) -> None:
    clock = FakeClock()
    service = TimerService(db, clock=clock)
    recorder = Recorder()
    service.register("test.ping", recorder)
    async with db.transaction() as tx:
        timer_id = await schedule(tx, "test.ping", "thing:1", clock() + 60, {"n": 7})
    assert await service.fire_due() == 0  # not yet
    clock.advance(75)
    assert await service.fire_due() == 1
    assert await service.fire_due() == 0
    [firing] = recorder.firings
    assert firing.timer.payload == {"n": 7}
    assert firing.late_by == pytest.approx(15)
    assert await _effects(db) == ["thing:1"]
    assert await _state(db, timer_id) == "fired"


async def test_a_cancelled_timer_never_fires(db: Database) -> None:
    clock = FakeClock()
    service = TimerService(db, clock=clock)
    recorder = Recorder()
    service.register("test.ping", recorder)
    async with db.transaction() as tx:
        await schedule(tx, "test.ping", "thing:1", clock() + 10)
        await schedule(tx, "test.other", "thing:1", clock() + 10)
        kept = await schedule(tx, "test.ping", "thing:2", clock() + 10)
    async with db.transaction() as tx:
        assert await cancel(tx, subject="thing:1", kind="test.ping") == 1
        assert await cancel(tx, subject="thing:1") == 1
    clock.advance(60)
    await service.fire_due()
    assert [f.timer.id for f in recorder.firings] == [kept]


async def test_a_failing_handler_rolls_its_effect_back_and_is_tried_again_then_given_up(
    db: Database,
) -> None:
    clock = FakeClock()
    service = TimerService(db, clock=clock)
    flaky = Recorder(fail=1)
    broken = Recorder(fail=99)
    service.register("test.flaky", flaky)
    service.register("test.broken", broken)
    async with db.transaction() as tx:
        await schedule(tx, "test.flaky", "flaky", clock())
        hopeless = await schedule(tx, "test.broken", "broken", clock())
        unknown = await schedule(tx, "test.nobody", "nobody", clock())
    await service.fire_due()
    assert flaky.firings == [] and await _effects(db) == []
    for _ in range(8):
        clock.advance(700)  # past every retry delay
        await service.fire_due()
    assert len(flaky.firings) == 1 and flaky.firings[0].timer.attempts == 2
    assert await _effects(db) == ["flaky"]
    assert await _state(db, hopeless) == "failed"
    assert await _state(db, unknown) == "failed"


async def test_rows_are_rearmed_at_start_late_ones_fire_at_once_and_only_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "timers.db"
    async with Database.open(target_for(tmp_path, path.name)) as db:
        await db.migrate()
        async with db.transaction() as tx:
            late = await schedule(tx, "test.ping", "late", time.time() - 120)
            soon = await schedule(tx, "test.ping", "soon", time.time() + 0.4)
            await schedule(tx, "test.ping", "tomorrow", time.time() + 86_400)
    for _ in range(2):  # a first run, then a restart: nothing fires twice
        async with Database.open(target_for(tmp_path, path.name)) as db:
            service = TimerService(db)
            recorder = Recorder()
            service.register("test.ping", recorder)
            running = asyncio.create_task(service.run())
            await asyncio.wait_for(service.armed_event.wait(), 5)
            await asyncio.sleep(1.0)
            service.stop()
            await asyncio.wait_for(running, 2)
            if not recorder.firings:
                assert service.armed == 0
                continue
            fired = {f.timer.id: f for f in recorder.firings}
            assert set(fired) == {late, soon}
            assert fired[late].late_by >= 120
            assert fired[soon].late_by < 0.5  # APScheduler fired it on time
    async with Database.open(target_for(tmp_path, path.name)) as db:
        assert await _effects(db) == ["soon", "late"]  # newest first


async def test_timers_promised_while_running_fire_on_time_and_stop_is_prompt(
    db: Database,
) -> None:
    service = TimerService(db)
    recorder = Recorder()
    service.register("test.ping", recorder)
    running = asyncio.create_task(service.run())
    await asyncio.wait_for(service.armed_event.wait(), 5)
    due = time.time() + 0.3
    async with db.transaction() as tx:
        for subject in ("digest:1", "digest:2", "digest:3"):
            await schedule(tx, "test.ping", subject, due)  # one instant: one job
    service.wake()  # what the dispatcher does after each commit
    await asyncio.wait_for(recorder.fired.wait(), 5)
    await asyncio.sleep(0.2)
    assert sorted(f.timer.subject for f in recorder.firings) == ["digest:1", "digest:2", "digest:3"]
    assert all(f.late_by < 0.5 for f in recorder.firings)
    started = time.monotonic()
    service.stop()
    await asyncio.wait_for(running, 2)
    assert time.monotonic() - started < 1


async def test_timers_beyond_the_horizon_wait_in_the_table_until_their_hour(
    db: Database,
) -> None:
    service = TimerService(db, horizon=0.5, refill_every=0.25)
    recorder = Recorder()
    service.register("test.ping", recorder)
    async with db.transaction() as tx:
        await schedule(tx, "test.ping", "later", time.time() + 1.2)
    running = asyncio.create_task(service.run())
    await asyncio.wait_for(service.armed_event.wait(), 5)
    assert service.armed == 0
    await asyncio.wait_for(recorder.fired.wait(), 5)
    service.stop()
    await asyncio.wait_for(running, 2)
    # Fired at its hour, not before; the bound only catches a timer left to a far poll.
    assert 0 <= recorder.firings[0].late_by < 3
