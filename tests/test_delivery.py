from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.domain import OutgoingMessage, Target, TargetKind
from bot.store import Priority
from bot.transports.base import PermanentError, RateLimited, TransientError
from tests.harness import running_bot

pytestmark = pytest.mark.both_engines


async def _setup_alert(bot) -> None:  # type: ignore[no-untyped-def]
    await bot.say("#paris", "alice", "/link dept:075")
    await bot.say("#lyon", "alice", "/link dept:069")
    await bot.say("#marseille", "alice", "/link dept:013")


async def test_transient_errors_are_retried_until_delivered(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("bot.delivery.sending.backoff_delay", lambda attempts: 0.05)
    async with running_bot(tmp_path) as bot:
        await _setup_alert(bot)
        bot.transport.fail_next(TransientError("502"), TransientError("timeout"), address="#lyon")
        await bot.say("#paris", "alice", "/alert test")
        assert await bot.engine.wait_idle(10)
        assert len(bot.transport.texts_to("#lyon")) == 2
        assert any("Alerte A1" in t for t in bot.transport.texts_to("#marseille"))


async def test_rate_limits_are_honoured_without_losing_anything(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await _setup_alert(bot)
        bot.transport.fail_next(RateLimited(0.2), address="#lyon")
        await bot.say("#paris", "alice", "/alert test")
        assert await bot.engine.wait_idle(10)
        relayed = [t for a in ("#lyon", "#marseille") for t in bot.transport.texts_to(a)
                   if "Alerte A1" in t]
        assert len(relayed) == 2


async def test_a_gone_room_is_marked_unreachable_and_shown(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await _setup_alert(bot)
        bot.transport.fail_next(PermanentError("chat not found"), address="#lyon")
        await bot.say("#paris", "alice", "/alert test")
        await bot.say("#paris", "alice", "/rooms")
        listing = bot.transport.texts_to("#paris")[-1]
        await bot.say("#paris", "alice", "/alert encore")
        receipt = bot.transport.texts_to("#paris")[-2:]
    assert "injoignable : chat not found" in listing
    assert any("1 destinataire injoignable" in t for t in receipt)


async def test_cancel_edits_sent_copies_and_rewrites_queued_ones(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await _setup_alert(bot)
        await bot.say("#paris", "alice", "/alert premier")
        await bot.say("#paris", "alice", "/cancel A1")
        edited = [m.text for _, m in bot.transport.edits]
        assert len(edited) == 2 and all(t.startswith("[annulée] Alerte A1") for t in edited)
        # A copy still queued (its platform is down) is rewritten, not edited later.
        bot.engine.stop()
        await asyncio.sleep(0.05)
    async with running_bot(tmp_path) as bot:
        async with bot.db.transaction() as tx:
            row_id = await tx.outbox.enqueue(
                Target("offline", TargetKind.ROOM, "#x"), OutgoingMessage.plain("x"),
                Priority.ALERT, subject="alert:1",
            )
        await bot.say("#paris", "alice", "/alert second")
        await bot.say("#paris", "alice", "/cancel A1")
        async with bot.db.transaction() as tx:
            row = await tx.outbox.get(row_id)
        assert row is not None and row.status == "pending"


async def test_rows_left_in_flight_by_a_crash_are_sent_after_restart(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await _setup_alert(bot)
        bot.engine.stop()
        await asyncio.sleep(0.05)
        async with bot.db.transaction() as tx:
            target = Target("fake", TargetKind.ROOM, "#lyon")
            await tx.outbox.enqueue(target, OutgoingMessage.plain("promis"), Priority.ALERT)
            claimed = await tx.outbox.claim_due("fake", 1e12, 10, 60)
        assert len(claimed) == 1  # "sending" when the process dies
    async with running_bot(tmp_path) as bot:
        assert await bot.engine.recover() == 1
        assert await bot.engine.wait_idle(10)
        assert "promis" in bot.transport.texts_to("#lyon")


def test_backoff_grows_and_is_capped() -> None:
    from bot.delivery.sending import MAX_BACKOFF_SECONDS, backoff_delay

    assert backoff_delay(1, lambda: 0.0) == 1.0
    assert backoff_delay(3, lambda: 1.0) == 8.0
    assert backoff_delay(40, lambda: 1.0) == MAX_BACKOFF_SECONDS


async def test_when_a_platform_comes_back_delayed_retries_go_at_once(
    tmp_path: Path, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr("bot.delivery.sending.backoff_delay", lambda attempts: 1000.0)
    async with running_bot(tmp_path) as bot:
        await _setup_alert(bot)
        bot.transport.fail_next(TransientError("connection lost"), address="#lyon")
        await bot.say("#paris", "alice", "/alert test")
        assert not any("Alerte A1" in t for t in bot.transport.texts_to("#lyon"))
        await bot.dispatcher.platform_back("fake")
        assert await bot.engine.wait_idle(10)
        assert any("Alerte A1" in t for t in bot.transport.texts_to("#lyon"))
