"""Cancelling an alert with many copies: the answer comes at once, the copies are
corrected in batches afterwards, and a restart in the middle finishes the job without
editing anything twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.tasks import cancellation
from bot.transports.base import RateLimited
from tests.fakes.clock import FakeClock
from tests.fakes.engines import rows
from tests.fakes.recording_transport import RecordingTransport
from tests.harness import OPEN_JOIN, running_bot

SUBSCRIBERS = ("carol", "dave", "erin", "fanny", "gus")


pytestmark = pytest.mark.both_engines


def pending_corrections(tmp_path: Path) -> list[str]:
    found = rows(
        tmp_path, "SELECT payload FROM timers WHERE kind = 'alert.cancel' AND state = 'pending'"
    )
    return [payload for (payload,) in found]


def queued_for(tmp_path: Path, address: str) -> list[tuple[str, int | None, bool]]:
    """(status, edit_of, cancelled text) of the alert's rows to `address`."""
    found = rows(
        tmp_path,
        "SELECT o.status, o.edit_of, p.body FROM outbox o JOIN outbox_payloads p"
        " ON p.id = o.payload_id WHERE o.address = ? AND o.subject = 'alert:1' ORDER BY o.id",
        (address,),
    )
    return [(status, edit_of, "[annulée]" in body) for status, edit_of, body in found]


async def test_a_big_cancel_answers_at_once_and_finishes_after_a_restart_editing_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cancellation, "BATCH", 3)  # 7 copies: three batches
    clock = FakeClock()
    first = RecordingTransport()
    async with running_bot(tmp_path, transport=first, clock=clock, members=OPEN_JOIN) as bot:
        for room in ("#paris", "#lyon", "#lille"):
            await bot.say(room, "alice", "/link")
        for name in SUBSCRIBERS:
            await bot.say(name, name, "/join", private=True)
            await bot.say(name, name, "/subscribe", private=True)
        # gus's copy waits out a long rate limit: still queued when the alert is cancelled.
        first.fail_next(RateLimited(600), address="gus")
        await bot.say("#paris", "alice", "/alert Le député X ment sur France 2")
        assert first.texts_to("#paris")[-1].startswith("Alerte A1 relayée à 2 salons et 5")
        await bot.say("#paris", "alice", "/cancel A1")
        answer = first.texts_to("#paris")[-1]
        early = [ref.chat_id for ref, _ in first.edits]
    # The rooms' copies were queued first: corrected with the answer, the rest promised.
    assert answer.startswith("Alerte A1 annulée : 3 copies corrigées ; les autres suivent")
    assert sorted(early) == ["#lille", "#lyon", "carol"]
    assert len(pending_corrections(tmp_path)) == 1

    # The bot stopped there. The next start takes the job where it was.
    second = RecordingTransport()
    async with running_bot(tmp_path, transport=second, clock=clock, members=OPEN_JOIN) as bot:
        assert await bot.fire_timers() == 2
        late = [ref.chat_id for ref, _ in second.edits]
        done = second.texts_to("#paris")
    assert sorted(late) == ["dave", "erin", "fanny"]
    assert done == ["Annulation de A1 terminée : 7 copies corrigées."]
    # Not sent before the cancel: gus's copy, still queued, now says it is cancelled.
    assert queued_for(tmp_path, "gus") == [("pending", None, True)]
    edited = early + late
    assert sorted(edited) == sorted(set(edited))  # nothing edited twice
    for _, message in [*first.edits, *second.edits]:
        assert message.text.startswith("[annulée] Alerte A1")
    assert pending_corrections(tmp_path) == []
