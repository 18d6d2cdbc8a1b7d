"""Clip archive benchmark: our pipeline vs bare yt-dlp, and event-loop lag under load.

Same run, same local HLS input (a generated 2-minute video served on
127.0.0.1), so the numbers compare our overhead, not the network:

1. wall time of a 20 s section through our pipeline (worker process, yt-dlp
   Python API, ffmpeg progress reader, sha256, content-addressed store) vs the
   bare `yt-dlp --download-sections` command line; goal: ratio <= 1.2;
2. the bot's event-loop lag while the archive service downloads four clips at
   once (DB rows, progress edits in the outbox); goal: p99 <= 50 ms;
3. the memory of uploads: peak RSS of a process whose Telegram and Discord
   transports upload four 200 MB clips at once each, to the fake servers
   (run in this process, so their memory is not counted), above the same
   process idle; goal: < 150 MB. For comparison, the same four uploads read
   into memory first, as the transports did before;
4. the fetch guard's throughput: one 500 MB download through it vs direct.

`python -m bench.archive upload-child …` is that uploading process.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


UPLOADS = 4
UPLOAD_MB = 200
DISCORD_CHANNELS = tuple(str(100000000000000001 + i) for i in range(UPLOADS))
TELEGRAM_GROUPS = tuple(-1001000000001 - i for i in range(UPLOADS))


def _memory_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    """Start VmHWM afresh (Linux >= 4.0), so the peak is the uploads', not the start's."""
    Path("/proc/self/clear_refs").write_text("5")


class _NoInbox:
    async def handle(self, message: object) -> None:
        return None

    async def chat_moved(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        return None

    async def platform_back(self, platform: str) -> None:
        return None


async def _upload_child(config: dict[str, Any]) -> dict[str, float]:
    """In the child: start both transports, then measure each platform's four uploads."""
    from bot.commands import Registry
    from bot.config import DiscordSettings, Secret, TelegramSettings
    from bot.domain.messages import OutgoingMessage, Span, Target, TargetKind
    from bot.transports.discord import DiscordTransport
    from bot.transports.telegram import TelegramTransport
    from handlers import ROUTERS

    files = [Path(f) for f in config["files"]]
    telegram = TelegramTransport(
        TelegramSettings(
            enabled=True,
            token=Secret(config["telegram_token"]),
            base_url=config["telegram_url"],
            set_commands=False,
            max_upload_mb=2000,
        )
    )
    discord = DiscordTransport(
        DiscordSettings(
            enabled=True,
            token=Secret(config["discord_token"]),
            api_base=config["discord_url"],
            guilds=(int(config["guild"]),),
            max_upload_mb=500,
        ),
        Registry(ROUTERS),
    )
    await telegram.start(_NoInbox())
    await discord.start(_NoInbox())
    figures: dict[str, float] = {}
    try:
        caption = OutgoingMessage((Span("Clip K1"),))

        def video(path: Path) -> OutgoingMessage:
            return OutgoingMessage(caption.spans, video=str(path))

        async def streamed_telegram() -> None:
            await asyncio.gather(*(
                telegram.send(Target("telegram", TargetKind.ROOM, str(group)), video(path))
                for group, path in zip(TELEGRAM_GROUPS, files, strict=True)
            ))  # fmt: skip

        async def streamed_discord() -> None:
            await asyncio.gather(*(
                discord.send(Target("discord", TargetKind.ROOM, channel), video(path))
                for channel, path in zip(DISCORD_CHANNELS, files, strict=True)
            ))  # fmt: skip

        async def in_memory_telegram() -> None:
            """What the Telegram transport did before: the whole file read, then sent."""
            bot = telegram._bot()

            async def one(group: int, path: Path) -> None:
                data = await asyncio.to_thread(path.read_bytes)
                await bot.send_video(
                    chat_id=group, video=data, filename=path.name, write_timeout=600
                )

            await asyncio.gather(*(one(g, p) for g, p in zip(TELEGRAM_GROUPS, files, strict=True)))

        for name, upload in (
            ("telegram", streamed_telegram),
            ("discord", streamed_discord),
            ("telegram_in_memory", in_memory_telegram),
        ):
            gc.collect()
            idle = _memory_kb("VmRSS")
            _reset_peak()
            started = time.perf_counter()
            await upload()
            figures[f"{name}_seconds"] = time.perf_counter() - started
            figures[f"{name}_idle_mb"] = idle / 1024
            figures[f"{name}_peak_mb"] = _memory_kb("VmHWM") / 1024
    finally:
        await discord.stop()
        await telegram.stop()
    return figures


@contextmanager
def _fake_platforms() -> Iterator[tuple[Any, Any]]:
    """The fake Telegram and Discord servers, on their own loop in a thread of this process."""
    from tests.fakes.discord_api import FakeDiscord
    from tests.fakes.telegram_api import FakeTelegramAPI

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-platforms", daemon=True)
    thread.start()
    telegram = FakeTelegramAPI(record_calls=False)
    for group in TELEGRAM_GROUPS:
        telegram.add_group(group, f"Salle {group}")
    discord = FakeDiscord(channels={c: f"salon-{i}" for i, c in enumerate(DISCORD_CHANNELS)})
    asyncio.run_coroutine_threadsafe(telegram.start(), loop).result(30)
    asyncio.run_coroutine_threadsafe(discord.start(), loop).result(30)
    try:
        yield telegram, discord
    finally:
        asyncio.run_coroutine_threadsafe(discord.stop(), loop).result(30)
        asyncio.run_coroutine_threadsafe(telegram.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def _upload_memory(work: Path) -> dict[str, float]:
    files = []
    for i in range(UPLOADS):
        path = work / f"K{i + 1}.mp4"
        with path.open("wb") as handle:
            handle.truncate(UPLOAD_MB * 1_000_000)  # sparse: no disk written, bytes all the same
        files.append(str(path))
    with _fake_platforms() as (telegram, discord):
        config = {
            "files": files,
            "telegram_url": telegram.base_url,
            "telegram_token": telegram.token,
            "discord_url": discord.api_base,
            "discord_token": discord.token,
            "guild": discord.guild_id,
        }
        done = subprocess.run(
            [sys.executable, "-m", "bench.archive", "upload-child", json.dumps(config)],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"upload child failed: {done.stderr[-2000:]}")
        figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        expected = UPLOADS * UPLOAD_MB * 1_000_000
        if discord.upload_bytes != expected or telegram.upload_bytes != 2 * expected:
            raise RuntimeError(
                f"uploads incomplete: telegram {telegram.upload_bytes}, discord "
                f"{discord.upload_bytes} bytes received"
            )
    return figures


GUARD_MB = 500


def _guard_throughput(work: Path) -> tuple[float, float]:
    """MB/s of one large plain-http download, direct and through the fetch guard."""
    import urllib.request

    from aiohttp import web

    from bot.archive.fetch_guard import GuardProxy
    from bot.archive.url_policy import AddressPolicy

    big = work / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(GUARD_MB * 1_000_000)
    ready = threading.Event()
    port: list[int] = []
    stop: list[asyncio.Event] = []
    loop_box: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        async def send(request: web.Request) -> web.StreamResponse:
            return web.FileResponse(big)

        app = web.Application()
        app.router.add_get("/big", send)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port.append(runner.addresses[0][1])
        stop.append(asyncio.Event())
        loop_box.append(asyncio.get_running_loop())
        ready.set()
        await stop[0].wait()
        await runner.cleanup()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    ready.wait(10)
    url = f"http://127.0.0.1:{port[0]}/big"

    def fetch(opener: urllib.request.OpenerDirector) -> float:
        started = time.perf_counter()
        answer = opener.open(url, timeout=60)
        received = 0
        while chunk := answer.read(1 << 20):
            received += len(chunk)
        return received / (time.perf_counter() - started) / 1e6

    try:
        plain = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        fetch(plain)  # warm up the server and the file's pages once
        direct = fetch(plain)
        with GuardProxy(AddressPolicy(allow_private=True)) as guard:
            proxied = urllib.request.build_opener(urllib.request.ProxyHandler({"http": guard.url}))
            through = fetch(proxied)
    finally:
        loop_box[0].call_soon_threadsafe(stop[0].set)
        thread.join(10)
    return direct, through


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
        uploads = _upload_memory(work)
        direct, guarded = _guard_throughput(work)
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
    print(f"memory of {UPLOADS} uploads of {UPLOAD_MB} MB at once (peak RSS above idle)")
    for name, label in (
        ("telegram", "telegram, streamed"),
        ("discord", "discord, streamed"),
        ("telegram_in_memory", "telegram, files read first (before)"),
    ):
        idle = uploads[f"{name}_idle_mb"]
        above = uploads[f"{name}_peak_mb"] - idle
        seconds = uploads[f"{name}_seconds"]
        verdict = "" if name.endswith("in_memory") else (" OK" if above < 150 else " OVER")
        print(f"  {label:<38} idle {idle:6.0f} MB  +{above:6.0f} MB  {seconds:5.1f} s{verdict}")
    print("  goal: < 150 MB above idle")
    print(f"fetch guard, one {GUARD_MB} MB plain-http download on loopback")
    print(f"  direct {direct:6.0f} MB/s   through the guard {guarded:6.0f} MB/s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["upload-child"]:
        print(json.dumps(asyncio.run(_upload_child(json.loads(sys.argv[2])))))
    else:
        main()
