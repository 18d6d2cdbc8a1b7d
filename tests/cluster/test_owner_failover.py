"""Two `riposte run` on one PostgreSQL store: one owns the platform connections, the
other stands by; kill -9 the owner and the standby answers Telegram within 30 s."""

from __future__ import annotations

import time
from pathlib import Path

from tests.cluster.conftest import cluster_config
from tests.fakes.bot_process import start_bot
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, BOB, TOKEN_ENV, telegram_section

TAKEOVER_SECONDS = 30.0


async def test_the_standby_takes_over_the_connections_when_the_owner_is_killed(
    tmp_path: Path, pg_url: str
) -> None:
    async with FakeTelegramAPI() as api:
        config = cluster_config(
            tmp_path,
            pg_url,
            network={"name": "Test", "lang": "fr", "admins": [f"telegram:{ALICE}"]},
            telegram=telegram_section(api),
        )
        env = {TOKEN_ENV: api.token}
        owner = await start_bot(config, env)
        standby = None
        try:
            await owner.expect("owns the platform connections", in_log=True, timeout=30)
            api.private_message(BOB, "/help")
            await api.wait_for(lambda: api.sent_to(BOB), timeout=30)
            standby = await start_bot(config, env)
            await standby.expect("standing by", in_log=True, timeout=30)
            # Two processes, one poller: the standby never asked for updates.
            polls = len(api.calls_to("getUpdates"))
            await owner.expect("telegram: connected", in_log=True)
            assert not any("telegram: connected" in line for line in standby.stderr_lines)

            killed = time.monotonic()
            await owner.kill()
            api.private_message(BOB, "/me")
            answered = len(api.sent_to(BOB))
            await api.wait_for(lambda: len(api.sent_to(BOB)) > answered, timeout=TAKEOVER_SECONDS)
            took = time.monotonic() - killed
            print(f"standby answered {took:.1f} s after the owner's kill -9")
            await standby.expect("owns the platform connections", in_log=True)
            assert len(api.calls_to("getUpdates")) > polls
            assert took < TAKEOVER_SECONDS
            code = await standby.finish()
            assert code == 0, standby.stderr
        finally:
            await owner.kill()
            if standby is not None:
                await standby.kill()
