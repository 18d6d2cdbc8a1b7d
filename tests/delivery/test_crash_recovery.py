"""`kill -9` in the middle of a 3,000-recipient fan-out: after a restart everyone has the alert.

The bound asserted is the one documented in `bot/delivery/worker.py`: a
message may be sent twice only if its send had started and its outcome was
not yet written when the process died: at most `max_in_flight` sends plus the
recorder's current batch. That batch has no size that a test can pin down (it
holds whatever accumulated while the previous one was being written, up to
`RECORDER_BATCH_CAP`, and outcomes queue behind it meanwhile), so the count
bound is loose at 3,000 recipients; the test also checks the precise form of
the promise: only rows not recorded as sent at the kill were sent again, each
at most once more.
"""

from __future__ import annotations

import collections
import sqlite3
from pathlib import Path

from bot.store import Database
from bot.transports.telegram.adapter import telegram_limits
from tests.fakes.bot_process import start_bot
from tests.fakes.config_files import write_config
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import TOKEN_ENV, telegram_section
from tests.fakes.telegram_delivery import populate_subscribers, telegram_settings

RECIPIENTS = 3_000
KILL_AFTER = 900
# Fast enough for a test, slow enough that the kill lands mid-way.
MAX_RATE = 240.0
RECORDER_BATCH_CAP = 2_000  # bot/delivery/worker.py: _recorder's `len(batch) >= 2_000`


def _statuses(db_path: Path) -> dict[str, str]:
    """Outbox status by Telegram address, as the dead process left it on disk."""
    conn = sqlite3.connect(db_path)
    try:
        return dict(
            conn.execute(
                "SELECT address, status FROM outbox WHERE platform = 'telegram'"
                " AND target_kind = 'user'"
            ).fetchall()
        )
    finally:
        conn.close()


async def test_kill_9_mid_fanout_then_restart_reaches_everyone_repeating_only_unrecorded_sends(
    tmp_path: Path, api: FakeTelegramAPI
) -> None:
    config = write_config(
        tmp_path,
        telegram=telegram_section(api, max_rate=MAX_RATE, set_commands=False),
        delivery={"drain_timeout": 60},
    )
    db_path = tmp_path / "riposte.db"
    async with Database.open(db_path) as db:
        await db.migrate()
    users = populate_subscribers(db_path, RECIPIENTS)

    bot = await start_bot(config, {TOKEN_ENV: api.token})
    await bot.say("#paris alice: /link")
    await bot.expect(r"^-> #paris: Salon relié")
    await bot.say("#paris alice: /alert Le député X ment sur France 2")
    await bot.expect(r"^-> #paris: Alerte A1 relayée")
    await api.wait_for(lambda: api.sent_count >= KILL_AFTER, timeout=60)
    await bot.kill()

    at_kill = _statuses(db_path)
    received_before = collections.Counter(m.chat_id for m in api.sent)
    assert len(received_before) < RECIPIENTS, "the fan-out finished before the kill"
    assert all(n == 1 for n in received_before.values())

    bot = await start_bot(config, {TOKEN_ENV: api.token})
    await api.wait_for(lambda: len({m.chat_id for m in api.sent}) >= RECIPIENTS, timeout=60)
    assert await bot.finish() == 0, bot.stderr

    received = collections.Counter(m.chat_id for m in api.sent if "député X" in m.text)
    assert set(received) == set(users)
    twice = {chat for chat, n in received.items() if n > 1}
    assert all(received[chat] == 2 for chat in twice)
    # Only sends whose outcome was not on disk at the kill were repeated ...
    assert all(at_kill[str(chat)] == "sending" for chat in twice)
    assert all(chat in received_before for chat in twice)
    # ... and no more of them than the documented window.
    limits = telegram_limits(telegram_settings(api.base_url, api.token, max_rate=MAX_RATE))
    assert len(twice) <= limits.max_in_flight + RECORDER_BATCH_CAP
