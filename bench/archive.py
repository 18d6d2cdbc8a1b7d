"""Clip archive benchmark: our pipeline vs bare yt-dlp, and event-loop lag under load.

Same run, same local HLS input (a generated 2-minute video served on
127.0.0.1), so the numbers compare our overhead, not the network:

1. wall time of a 20 s section through our pipeline (worker process, yt-dlp
   Python API, ffmpeg progress reader, sha256, content-addressed store) vs the
   bare `yt-dlp --download-sections` command line; goal: ratio <= 1.2;
2. the bot's event-loop lag while the archive service downloads four clips at
   once (DB rows, progress edits in the outbox); goal: p99 <= 50 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.archive.ffmpeg import find_ffmpeg, location_folder
from bot.archive.runner import run_worker
from bot.archive.service import ArchiveService
from bot.archive.worker import JobSpec
from bot.config import ArchiveSettings
from bot.domain.ranges import ClipRange
from bot.store import Database
from tests.fakes.media_server import MediaServer, make_test_video

ROUNDS = 5
SECTION = (10.0, 30.0)
TICK = 0.005


async def _ours(url: str, work: Path, round_no: int) -> float:
    ffmpeg = find_ffmpeg()
    archive = work / f"ours-{round_no}"
    folder = archive / ".jobs" / "clip-1-1"
    folder.mkdir(parents=True)
    spec = JobSpec(
        clip_id=1,
        url=url,
        start=SECTION[0],
        end=SECTION[1],
        archive_dir=str(archive),
        folder=str(folder),
        ffmpeg=str(ffmpeg.executable),
        ffmpeg_location=str(location_folder(ffmpeg, work)),
        allow_private=True,
    )

    async def ignore(_event: dict[str, Any]) -> None:
        return None

    started = time.perf_counter()
    outcome = await run_worker(spec, 120, ignore)
    elapsed = time.perf_counter() - started
    if outcome.done is None:
        raise RuntimeError(f"our pipeline failed: {outcome.reason} {outcome.detail}")
    return elapsed


def _bare(url: str, work: Path, round_no: int) -> float:
    ffmpeg = find_ffmpeg()
    out = work / f"bare-{round_no}"
    command = [
        sys.executable, "-m", "yt_dlp", "--quiet", "--no-progress",
        "--ffmpeg-location", str(location_folder(ffmpeg, work)),
        "--download-sections", f"*{SECTION[0]:.0f}-{SECTION[1]:.0f}",
        "-o", str(out / "%(id)s.%(ext)s"), url,
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, timeout=120, capture_output=True)
    return time.perf_counter() - started


async def _lag_while_downloading(url: str, work: Path) -> tuple[list[float], float]:
    settings = ArchiveSettings(dir=work / "lag-archive", allow_private_urls=True, concurrency=4)
    async with Database.open(work / "lag.db") as db:
        await db.migrate()
        async with db.transaction() as tx:
            member = await tx.members.resolve("console", "bench", "Bench", None)
            for i in range(4):
                await tx.clips.create(
                    url,
                    ClipRange(i * 20.0, i * 20.0 + 20.0),
                    requested_by=member.id,
                    requester_name="Bench",
                    origin_platform="console",
                    origin_chat_id="#bench",
                    origin_private=False,
                    lang="en",
                )
        service = ArchiveService(db, settings, "en")
        lags: list[float] = []
        started = time.perf_counter()
        runner = asyncio.create_task(service.run())
        idle = asyncio.create_task(service.wait_idle(300))
        while not idle.done():
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lags.append(max(time.perf_counter() - before - TICK, 0.0))
        elapsed = time.perf_counter() - started
        service.stop()
        await runner
        async with db.transaction() as tx:
            done = [await tx.clips.get(i) for i in range(1, 5)]
        if not all(c is not None and c.status.value == "done" for c in done):
            raise RuntimeError("a benchmark clip failed")
    return lags, elapsed


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="riposte-bench-") as tmp:
        work = Path(tmp)
        video = make_test_video(work / "video")
        server = MediaServer(video).start()
        try:
            hls = server.url("/hls/index.m3u8")
            ours: list[float] = []
            bare: list[float] = []
            _bare(hls, work, 0)  # warm the page cache and the yt-dlp import once
            for i in range(1, ROUNDS + 1):
                bare.append(_bare(hls, work, i))
                ours.append(asyncio.run(_ours(hls, work, i)))
            slow = server.url("/slow/hls/index.m3u8")
            lags, elapsed = asyncio.run(_lag_while_downloading(slow, work))
        finally:
            server.stop()
    ours_median = statistics.median(ours)
    bare_median = statistics.median(bare)
    print(f"20 s section of local HLS, median of {ROUNDS} runs")
    print(f"  {'pipeline':<32}{'wall time':>12}")
    print(f"  {'bare yt-dlp --download-sections':<32}{bare_median:>11.2f}s")
    print(f"  {'riposte worker (+sha256, store)':<32}{ours_median:>11.2f}s")
    ratio = ours_median / bare_median
    print(f"  ratio {ratio:.2f} (goal <= 1.2) {'OK' if ratio <= 1.2 else 'OVER'}")
    p50 = _percentile(lags, 0.50) * 1000
    p99 = _percentile(lags, 0.99) * 1000
    print(f"event-loop lag, 4 clips downloading at once ({elapsed:.1f} s, {len(lags)} ticks)")
    print(f"  p50 {p50:.1f} ms   p99 {p99:.1f} ms   max {max(lags) * 1000:.1f} ms")
    print(f"  goal p99 <= 50 ms {'OK' if p99 <= 50 else 'OVER'}")


if __name__ == "__main__":
    main()
