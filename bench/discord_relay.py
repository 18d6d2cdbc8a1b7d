"""Discord relay latency against the fake Discord (not a test: numbers, no assertions).

`riposte run` with the console and Discord; measures start-to-READY, the time
from a `!alert` injected on the fake gateway to the relayed copy printed in a
console room, and a gateway drop until RESUMED.

    .venv/bin/python -m bench.discord_relay
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from tests.fakes.bot_process import start_bot
from tests.fakes.config_files import write_config
from tests.fakes.discord_api import FakeDiscord

GENERAL = "100000000000000001"
ADMIN = "300000000000000001"
ALERTS = 20


async def main() -> None:
    fake = FakeDiscord()
    await fake.start()
    config = write_config(
        Path(tempfile.mkdtemp()),
        network={"name": "T", "lang": "fr", "admins": ["console:alice", f"discord:{ADMIN}"]},
        logging={"level": "WARNING"},
        discord={
            "enabled": True,
            "token": "env:BENCH_DISCORD_TOKEN",
            "api_base": fake.api_base,
            "guilds": [int(fake.guild_id)],
            "message_content": True,
        },
    )
    started = time.monotonic()
    session = await start_bot(config, {"BENCH_DISCORD_TOKEN": fake.token})
    try:
        await fake.wait_connected()
        print(f"start to gateway READY: {time.monotonic() - started:.2f} s")
        await session.say("#paris alice: /link")
        await session.expect("Salon relié")
        await fake.inject_message(GENERAL, ADMIN, "admin", "!link")
        await fake.wait_until(lambda: len(fake.sent_to(GENERAL)) >= 1)
        latencies = []
        for i in range(1, ALERTS + 1):
            sent = time.monotonic()
            await fake.inject_message(GENERAL, ADMIN, "admin", f"!alert essai {i}")
            await session.expect(rf"Alerte A{i} ")
            latencies.append(time.monotonic() - sent)
        print(
            f"!alert on Discord -> console copy, n={ALERTS}: "
            f"median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms"
        )
        dropped = time.monotonic()
        await fake.drop_gateway()
        await fake.wait_connected()
        print(f"gateway drop -> RESUMED: {(time.monotonic() - dropped) * 1000:.0f} ms")
        await session.finish()
    finally:
        await session.kill()
        await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
