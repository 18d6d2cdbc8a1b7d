"""Short-link redirects: requests per second and latency under a bounded local load.

The bot's web server runs here, on 127.0.0.1, over a database of 1,000 links;
a separate process (so client and server each have a core) keeps a fixed
number of keep-alive connections busy with GETs of random codes as a browser
would send them (so every one is a counted visit), for a fixed number of
requests. Latency is measured by the client, request sent to response read.
Goal: >= 2,000 requests/s with p99 <= 10 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bot.config import NetworkSettings, Settings, WebSettings
from bot.store import Database
from bot.web import ReadView, Runtime, WebServer
from tests.fakes.irc_servers import free_port

LINKS = 1_000
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30000"))
WARMUP = 2_000
CONNECTIONS = (4, 8, 16)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
CLIENT_TIMEOUT = 120


async def _client(base: str, codes: list[str], requests: int, connections: int) -> dict[str, float]:
    rng = random.Random(7)
    latencies: list[float] = []
    remaining = [requests]
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    headers = {"User-Agent": BROWSER}

    async with aiohttp.ClientSession(base, connector=connector, headers=headers) as session:

        async def worker() -> None:
            while remaining[0] > 0:
                remaining[0] -= 1
                path = f"/s/{rng.choice(codes)}"
                started = time.perf_counter()
                async with session.get(path, allow_redirects=False) as response:
                    await response.read()
                    assert response.status == 302, response.status
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "max": latencies[-1] * 1000,
        "count": len(latencies),
    }


def _run_client(base: str, codes: list[str], requests: int, connections: int) -> dict[str, float]:
    """The load, from another process."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.web_redirects", "--client", base, str(requests),
         str(connections)],
        input=json.dumps(codes), capture_output=True, text=True, timeout=CLIENT_TIMEOUT,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        web = WebSettings(enabled=True, listen=f"127.0.0.1:{free_port()}")
        settings = Settings(source=Path(folder) / "riposte.toml",
                            network=NetworkSettings(lang="fr"), web=web)
        async with Database.open(path) as db:
            await db.migrate()
            async with db.transaction() as tx:
                member = await tx.members.resolve("console", "alice", "alice", None)
                codes = [
                    (await tx.links.mint(f"https://example.org/{i}", owner_id=member.id,
                                         now=time.time())).code
                    for i in range(LINKS)
                ]
            async with Database.open(path, readonly=True) as reader:
                server = WebServer(Runtime(db, ReadView(reader), settings))
                await server.start()
                try:
                    base = f"http://{web.listen}"
                    await asyncio.to_thread(_run_client, base, codes, WARMUP, 8)
                    print(f"{'connections':>11} {'requests':>8} {'req/s':>8} {'p50 ms':>7} "
                          f"{'p99 ms':>7} {'max ms':>7}")
                    total = WARMUP
                    for connections in CONNECTIONS:
                        result = await asyncio.to_thread(
                            _run_client, base, codes, REQUESTS, connections
                        )
                        total += int(result["count"])
                        print(f"{connections:>11} {int(result['count']):>8} "
                              f"{result['rate']:>8.0f} {result['p50']:>7.2f} "
                              f"{result['p99']:>7.2f} {result['max']:>7.1f}")
                finally:
                    await server.stop()
            async with db.transaction() as tx:
                counted = sum((await tx.links.total_for_owner(member.id))[1:])
        print(f"visits counted: {counted} of {total} requests "
              "(goal: >= 2,000 req/s with p99 <= 10 ms)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--client":
        found = asyncio.run(
            _client(sys.argv[2], json.loads(sys.stdin.read()), int(sys.argv[3]),
                    int(sys.argv[4]))
        )
        print(json.dumps(found))
    else:
        asyncio.run(main())
