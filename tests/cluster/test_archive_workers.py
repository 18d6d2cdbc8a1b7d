"""Two `riposte worker archive` processes take clips from one queue: each clip once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.domain.ranges import ClipRange
from bot.store import Database
from tests.cluster.conftest import cluster_config
from tests.fakes.bot_process import start_bot
from tests.fakes.media_server import MediaServer

CLIPS = 10


async def _queue(url: str, media: MediaServer) -> None:
    async with Database.open(url) as db, db.transaction() as tx:
        member = await tx.members.resolve("console", "alice", "alice", "alice")
        for n in range(CLIPS):
            await tx.clips.create(
                media.url("/v.mp4"),
                ClipRange(float(n), float(n + 2)),
                requested_by=member.id,
                requester_name="alice",
                origin_platform="console",
                origin_chat_id="#paris",
                origin_private=False,
                lang="fr",
            )


async def _clips(url: str) -> list[tuple[int, str, int]]:
    async with Database.open(url) as db, db.reading() as tx:
        rows = await tx._conn.fetchall("SELECT id, status, attempts FROM clips ORDER BY id")
    return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]


async def _cards(url: str) -> dict[str, int]:
    async with Database.open(url) as db, db.reading() as tx:
        rows = await tx._conn.fetchall(
            "SELECT subject, COUNT(*) FROM outbox WHERE subject LIKE 'clip:%' GROUP BY subject"
        )
    return {str(r[0]): int(r[1]) for r in rows}


async def test_two_archive_workers_archive_each_of_ten_clips_once(
    tmp_path: Path, pg_url: str, media: MediaServer
) -> None:
    config = cluster_config(
        tmp_path,
        pg_url,
        console={"enabled": True},  # a transport must be on; the workers never read it
        archive={"dir": str(tmp_path / "archive"), "allow_private_urls": True, "concurrency": 2},
    )
    workers = [await start_bot(config, command=("worker", "archive")) for _ in range(2)]
    try:
        await _queue(pg_url, media)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            clips = await _clips(pg_url)
            if all(status in ("done", "failed") for _, status, _ in clips):
                break
            await asyncio.sleep(0.5)
    finally:
        for worker in workers:
            await worker.kill()
    assert [status for _, status, _ in clips] == ["done"] * CLIPS
    assert [attempts for _, _, attempts in clips] == [1] * CLIPS  # each run once
    cards = await _cards(pg_url)
    assert len(cards) == CLIPS and len(set(cards.values())) == 1  # one card (and video) each
    ran = [sum("starting" in line for line in w.stderr_lines) for w in workers]
    assert sum(ran) == CLIPS and all(ran)  # both took their part, nobody ran one twice
