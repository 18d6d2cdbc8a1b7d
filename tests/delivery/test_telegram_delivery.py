"""The delivery engine driving the real Telegram transport (python-telegram-bot, real
sockets) against the fake Bot API: outages, 429s, priorities, merging under a group's
limit. Rates are Telegram's own where the test stays short, scaled up elsewhere."""

from __future__ import annotations

import asyncio
import collections
import io
from pathlib import Path

import pytest

from bot.domain import TargetKind
from bot.store import Priority
from bot.transports.console import ConsoleTransport, Speaker
from tests.fakes.telegram_api import FakeTelegramAPI, RateLimits
from tests.fakes.telegram_delivery import FIRST_USER, delivering

GROUP = -1001000000077


def _sends(api: FakeTelegramAPI, status: int | None = 200) -> list[int]:
    """Chat ids of sendMessage calls, in order (those answered `status`; None: all)."""
    return [
        int(call.params["chat_id"])
        for call in api.calls_to("sendMessage")
        if status is None or call.status == status
    ]


async def test_telegram_outage_delays_telegram_only_then_every_copy_arrives(
    tmp_path: Path, api: FakeTelegramAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Retries every 0.1 s instead of seconds: the outage, not the backoff, is under test.
    monkeypatch.setattr("bot.delivery.sending.backoff_delay", lambda attempts: 0.1)
    screen = io.StringIO()
    console = ConsoleTransport(
        stdin=io.StringIO(), stdout=screen, first_speaker=Speaker("alice", "#paris"),
        interactive=False,
    )
    users = [FIRST_USER + i for i in range(20)]
    rooms = [f"#room{i}" for i in range(5)]
    api.fail_next("sendMessage", "502", count=1_000_000)  # down until recover()
    async with delivering(tmp_path / "d.db", api.base_url, api.token,
                          others={"console": console}) as running:
        # Telegram's copies are queued first: a single queue would serve them first.
        await running.enqueue(users, "Alerte A1", Priority.ALERT, subject="alert:1")
        await running.enqueue(rooms, "Alerte A1", Priority.ALERT, kind=TargetKind.ROOM,
                              platform="console", subject="alert:1")
        assert await running.engine.wait_idle(10, ("console",))
        printed = screen.getvalue().splitlines()
        assert sorted(line.split(":")[0] for line in printed) == sorted(
            f"-> {room}" for room in rooms
        )
        # Every console copy is out while Telegram has answered nothing but 502.
        await api.wait_for(lambda: len(_sends(api, 502)) >= len(users))
        assert _sends(api) == []
        async with running.db.transaction() as tx:
            waiting = {c.platform: c for c in await tx.outbox.counts(0)}["telegram"]
        assert waiting.failed == 0 and waiting.queued + waiting.in_flight == len(users)

        api.recover()
        await api.wait_for(lambda: len(set(_sends(api))) == len(users))
        assert await running.engine.wait_idle(10)
    assert collections.Counter(_sends(api)) == {user: 1 for user in users}
    assert len(screen.getvalue().splitlines()) == len(rooms)


async def test_429_retry_after_is_honoured_for_that_chat_then_everything_arrives(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    users = [FIRST_USER + i for i in range(40)]
    api.fail_next("sendMessage", "429", retry_after=1)
    async with delivering(tmp_path / "d.db", api.base_url, api.token) as running:
        await running.enqueue(users, "Alerte A1", Priority.ALERT)
        await running.enqueue(users[:1] * 3, "suite", Priority.ALERT)
        await api.wait_for(
            lambda: len(set(_sends(api))) == len(users)
            and sum(m.text.count("suite") for m in api.sent) == 3
        )
        assert await running.engine.wait_idle(10)
    calls = api.calls_to("sendMessage")
    limited = [call for call in calls if call.status == 429]
    assert len(limited) == 1
    chat, at = int(limited[0].params["chat_id"]), limited[0].at
    # Nothing more went to that chat until Telegram's delay was over ...
    later = [c.at for c in calls if int(c.params["chat_id"]) == chat and c.at > at]
    assert later and min(later) >= at + 1.0
    # ... while the other chats went on being served during the pause.
    assert any(at < c.at < at + 1.0 for c in calls if int(c.params["chat_id"]) != chat)
    # Queued behind the pause, the chat's messages went out merged; none lost or doubled.
    parts = collections.Counter(
        (m.chat_id, part) for m in api.sent for part in m.text.split("\n\n")
    )
    assert parts == {(user, "Alerte A1"): 1 for user in users} | {(users[0], "suite"): 3}


async def test_an_alert_raised_during_a_5000_message_push_overtakes_it(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    pushed = [FIRST_USER + i for i in range(5_000)]
    alerted = FIRST_USER + 10_000
    async with delivering(tmp_path / "d.db", api.base_url, api.token, max_rate=200) as running:
        await running.enqueue(pushed, "Partagez P1", Priority.PUSH)
        await api.wait_for(lambda: api.sent_count >= 50, timeout=30)
        await running.enqueue([alerted], "Alerte A1", Priority.ALERT)
        await api.wait_for(lambda: api.sent_to(alerted), timeout=30)
        push_done_before_alert = api.sent_count - 1
        # Stopping here leaves the rest of the push for later: that is not under test.
    assert push_done_before_alert < len(pushed)
    assert [m.text for m in api.sent_to(alerted)] == ["Alerte A1"]


async def test_30_alerts_in_a_minute_to_a_group_arrive_merged_within_its_20_per_minute(
    tmp_path: Path,
) -> None:
    # Telegram's real limits, enforced: 30/s overall, 1/s per chat, 20/min per group.
    async with (
        FakeTelegramAPI(rate_limits=RateLimits()) as api,
        delivering(tmp_path / "d.db", api.base_url, api.token) as running,
    ):
        for i in range(1, 31):
            await running.enqueue([GROUP], [f"Alerte A{i}"], Priority.ALERT, kind=TargetKind.ROOM)
            await asyncio.sleep(0.1)
        await api.wait_for(
            lambda: sum(m.text.count("Alerte A") for m in api.sent_to(GROUP)) >= 30
        )
        assert await running.engine.wait_idle(10)
    messages = [m.text for m in api.sent_to(GROUP)]
    parts = [part for text in messages for part in text.split("\n\n")]
    assert parts == [f"Alerte A{i}" for i in range(1, 31)]  # none lost, none doubled, in order
    assert 1 < len(messages) <= 20
    assert api.rate_limit_violations == 0
    assert all(call.status == 200 for call in api.calls_to("sendMessage"))


async def test_the_overall_rate_is_never_exceeded_even_in_the_first_burst(
    tmp_path: Path,
) -> None:
    # 5/s overall, with max_in_flight = 8 (the Telegram transport's floor).
    async with (
        FakeTelegramAPI(rate_limits=RateLimits(global_per_second=5)) as api,
        delivering(tmp_path / "d.db", api.base_url, api.token, max_rate=5) as running,
    ):
        users = [FIRST_USER + i for i in range(12)]
        await running.enqueue(users, "Alerte A1", Priority.ALERT)
        await api.wait_for(lambda: len(set(_sends(api))) == len(users))
        assert await running.engine.wait_idle(10)
    assert api.rate_limit_violations == 0
