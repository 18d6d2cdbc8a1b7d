"""SIGTERM stops the bot within 10 s, with status 0, whatever it is busy with; claims it
had not delivered go back to the outbox; a second signal exits at once.

Each state runs a real `riposte run` (signals, subprocesses and sockets are the point).
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from pathlib import Path

from bot.store import Database
from tests.fakes.bot_process import BotProcess, start_bot
from tests.fakes.clip_archive import clip_rows
from tests.fakes.config_files import write_config
from tests.fakes.media_server import MediaServer
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import TOKEN_ENV, telegram_section
from tests.fakes.telegram_delivery import populate_subscribers

STOP_BOUND = 10.0
OLD_ROWS = 400_000


async def _stop_within_bound(bot: BotProcess) -> tuple[int, float]:
    started = time.monotonic()
    bot.signal(signal.SIGTERM)
    code = await bot.wait_exit(STOP_BOUND + 5)
    return code, time.monotonic() - started


def _statuses(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())


async def _bot_with_subscribers(tmp_path: Path, api: FakeTelegramAPI, **telegram: object) -> Path:
    config = write_config(tmp_path, telegram=telegram_section(api, set_commands=False, **telegram))
    async with Database.open(tmp_path / "riposte.db") as db:
        await db.migrate()
    populate_subscribers(tmp_path / "riposte.db", 20)
    return config


async def test_sends_stuck_on_a_slow_server_are_given_back_and_the_bot_exits_in_time(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    config = await _bot_with_subscribers(tmp_path, api, request_timeout=30)
    api.fail_next("sendMessage", "slow", count=1000, delay=120)
    bot = await start_bot(config, {TOKEN_ENV: api.token})
    await bot.say("#paris alice: /alert Député X ment")
    await bot.expect(r"^-> #paris: Alerte A1 relayée")
    await api.wait_for(lambda: api.started["sendMessage"] >= 8)

    code, elapsed = await _stop_within_bound(bot)
    assert code == 0, bot.stderr
    assert elapsed <= STOP_BOUND
    assert api.started["sendMessage"] == 8  # nothing new was started after the signal
    assert _statuses(tmp_path / "riposte.db").get("sending", 0) == 0
    assert "given back" in bot.stderr


async def test_a_second_signal_exits_at_once(tmp_path: Path, api: FakeTelegramAPI) -> None:
    config = await _bot_with_subscribers(tmp_path, api, request_timeout=30)
    api.fail_next("sendMessage", "slow", count=1000, delay=120)
    bot = await start_bot(config, {TOKEN_ENV: api.token})
    await bot.say("#paris alice: /alert Député X ment")
    await api.wait_for(lambda: api.started["sendMessage"] >= 8)
    bot.signal(signal.SIGTERM)
    await bot.expect(r"stopping", in_log=True)
    started = time.monotonic()
    bot.signal(signal.SIGINT)
    code = await bot.wait_exit(STOP_BOUND)
    assert code == 128 + signal.SIGINT
    assert time.monotonic() - started < 1.5
    assert "second SIGINT: exiting now" in bot.stderr


async def test_a_long_poll_on_a_slow_bot_api_does_not_hold_the_stop(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    config = write_config(
        tmp_path, telegram=telegram_section(api, set_commands=False, poll_timeout=10)
    )
    bot = await start_bot(config, {TOKEN_ENV: api.token})
    await bot.expect(r"transport telegram started", in_log=True)
    # Every poll from now on, and the last one a stop makes, hangs for a minute.
    api.fail_next("getUpdates", "slow", count=1000, delay=60)
    polls = api.started["getUpdates"]
    await api.wait_for(lambda: api.started["getUpdates"] > polls)

    code, elapsed = await _stop_within_bound(bot)
    assert code == 0, bot.stderr
    assert elapsed <= STOP_BOUND


def _old_delivered_rows(db_path: Path, count: int) -> None:
    old = time.time() - 40 * 86_400
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO outbox_payloads (id, body) VALUES (1, '{\"spans\":[]}')")
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO outbox (platform, target_kind, address, payload_id, priority,"
            " status, not_before, created_at, sent_at)"
            " SELECT 'telegram', 'user', CAST(100000 + i AS TEXT), 1, 10, 'sent', ?, ?, ? FROM n",
            (count, old, old, old),
        )


async def test_a_purge_in_progress_stops_between_batches(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    config = write_config(
        tmp_path,
        telegram=telegram_section(api, set_commands=False),
        delivery={"keep_days": 30},
    )
    db_path = tmp_path / "riposte.db"
    async with Database.open(db_path) as db:
        await db.migrate()
    _old_delivered_rows(db_path, OLD_ROWS)
    bot = await start_bot(config, {TOKEN_ENV: api.token})
    await bot.expect(r"deleting delivered outbox rows older than 30 days", in_log=True)

    code, elapsed = await _stop_within_bound(bot)
    assert code == 0, bot.stderr
    assert elapsed <= STOP_BOUND
    assert "(stopped early)" in bot.stderr
    assert 0 < _statuses(db_path)["sent"] < OLD_ROWS  # the next run goes on


def _worker_processes(marker: str) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"bot.archive.worker" in cmdline and marker.encode() in cmdline:
                found.append(int(entry.name))
    return found


async def test_clips_downloading_are_stopped_with_their_workers(
    tmp_path: Path, api: FakeTelegramAPI, media: MediaServer
) -> None:
    config = write_config(
        tmp_path,
        telegram=telegram_section(api, set_commands=False),
        archive={"dir": str(tmp_path / "archive"), "allow_private_urls": True, "concurrency": 2},
    )
    bot = await start_bot(config, {TOKEN_ENV: api.token})
    slow = media.url("/slow/hls/index.m3u8")
    await bot.say(f"/clip {slow} from 0:00 to 0:40")
    await bot.say(f"/clip {slow} from 0:40 to 1:20")
    await bot.expect(r"^-> #general: Clip K2 : téléchargement")
    jobs = tmp_path / "archive" / ".jobs"
    deadline = time.monotonic() + 30
    while len(list(jobs.glob("clip-*/ffmpeg.progress"))) < 2:
        assert time.monotonic() < deadline, "the downloads never started"
        await asyncio.sleep(0.05)
    assert len(_worker_processes(str(tmp_path))) == 2

    code, elapsed = await _stop_within_bound(bot)
    assert code == 0, bot.stderr
    assert elapsed <= STOP_BOUND
    assert _worker_processes(str(tmp_path)) == []
    assert [row["status"] for row in clip_rows(tmp_path)] == ["running", "running"]
