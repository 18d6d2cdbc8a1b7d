"""A TV replay site on 127.0.0.1: one test video as a direct MP4 and as HLS.

The video is made here with ffmpeg (test pattern + tone, small resolution,
a keyframe every 2 s) so the suite needs nothing but pip. The server runs
aiohttp in its own thread, because console sessions block the test's loop
while the bot (a subprocess) downloads from it.

Paths: `/v.mp4`, `/hls/index.m3u8` (+ segments), `/slow/hls/index.m3u8`
(each segment delayed, so a download lasts a few seconds), and
`/redirect?to=URL` (a 302 to anywhere), `/evil.m3u8` (segments are local files).

Traps for the fetch guard, all aimed at the **canary**: a bare TCP listener on
127.0.0.2 at the same port, which records every connection it gets (a
refusal worth the name leaves `canary_hits` empty):
`/live/index.m3u8` is the test playlist as a live stream (no end). With a
TLS context, the same paths are also served over https at `tls_port`, and
`/mixed/index.m3u8` (plain http) lists its segments there, absolute.

`/trap/segment.m3u8` (the second segment is on the canary),
`/trap/proxy.m3u8` (the second segment is `httpproxy://` the canary),
`/trap/key.m3u8` (the AES key is on the canary), and `/flip/NAME.mp4` (the
video for the first request of NAME, then a 302 to the canary for every
later one: what a server can serve only to ffmpeg).
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.archive.ffmpeg import find_ffmpeg

DURATION = 120
SEGMENT_SECONDS = 4
CANARY_HOST = "127.0.0.2"


@dataclass(frozen=True)
class TestVideo:
    mp4: Path
    hls_dir: Path
    ffmpeg: Path


def make_test_video(folder: Path, duration: int = DURATION) -> TestVideo:
    ffmpeg = find_ffmpeg().executable
    folder.mkdir(parents=True, exist_ok=True)
    mp4 = folder / "v.mp4"
    subprocess.run(
        [
            str(ffmpeg), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050",
            "-t", str(duration), "-c:v", "libx264", "-preset", "ultrafast", "-g", "20",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "32k", "-movflags", "+faststart",
            str(mp4),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    hls = folder / "hls"
    hls.mkdir(exist_ok=True)
    subprocess.run(
        [
            str(ffmpeg), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-i", str(mp4), "-c", "copy", "-f", "hls", "-hls_time", str(SEGMENT_SECONDS),
            "-hls_playlist_type", "vod", "-hls_segment_filename", str(hls / "seg%03d.ts"),
            str(hls / "index.m3u8"),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return TestVideo(mp4, hls, ffmpeg)


class MediaServer:
    def __init__(
        self, video: TestVideo, segment_delay: float = 0.25, tls: ssl.SSLContext | None = None
    ) -> None:
        self.video = video
        self.tls = tls
        self.tls_port = 0
        self.segment_delay = segment_delay
        self.port = 0
        self.requests: list[str] = []
        self.canary_hits: list[bytes] = []
        """First bytes of every connection the canary accepted."""
        self._flips: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="media-server", daemon=True)
        self._stop: asyncio.Event | None = None

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def canary_url(self, path: str) -> str:
        return self.url(path, host=CANARY_HOST)

    def start(self) -> MediaServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("media server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_get("/v.mp4", self._mp4)
        app.router.add_get("/hls/{name}", self._hls)
        app.router.add_get("/slow/hls/{name}", self._slow_hls)
        app.router.add_get("/redirect", self._redirect)
        app.router.add_get("/evil.m3u8", self._evil)
        app.router.add_get("/trap/{name}", self._trap)
        app.router.add_get("/live/index.m3u8", self._live)
        app.router.add_get("/mixed/index.m3u8", self._mixed)
        app.router.add_get("/flip/{name}", self._flip)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        canary = await asyncio.start_server(self._canary, CANARY_HOST, self.port)
        if self.tls is not None:
            secure = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self.tls)
            await secure.start()
            self.tls_port = runner.addresses[-1][1]
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            canary.close()
            await runner.cleanup()

    async def _canary(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Anything reaching this address got past the guard: record it, answer like a server."""
        try:
            first = await asyncio.wait_for(reader.read(512), 2)
        except TimeoutError:
            first = b""
        self.canary_hits.append(first)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\ncanary")
        writer.close()

    async def _mp4(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path)
        return web.FileResponse(self.video.mp4, headers={"Content-Type": "video/mp4"})

    def _hls_file(self, name: str) -> Path:
        path = self.video.hls_dir / name
        if "/" in name or not path.is_file():
            raise web.HTTPNotFound()
        return path

    async def _hls(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path)
        path = self._hls_file(request.match_info["name"])
        kind = "application/vnd.apple.mpegurl" if path.suffix == ".m3u8" else "video/mp2t"
        return web.FileResponse(path, headers={"Content-Type": kind})

    async def _slow_hls(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path)
        path = self._hls_file(request.match_info["name"])
        if path.suffix == ".ts":
            await asyncio.sleep(self.segment_delay)
        kind = "application/vnd.apple.mpegurl" if path.suffix == ".m3u8" else "video/mp2t"
        return web.FileResponse(path, headers={"Content-Type": kind})

    async def _evil(self, request: web.Request) -> web.StreamResponse:
        """A playlist whose segment is a file on the bot's own disk."""
        self.requests.append(request.path)
        body = (
            "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nfile:///etc/passwd\n"
            "#EXTINF:4.0,\nfile:///etc/hostname\n#EXT-X-ENDLIST\n"
        )
        return web.Response(text=body, content_type="application/vnd.apple.mpegurl")

    def _playlist(self, lines: list[str]) -> web.Response:
        """A playlist whose relative segment names point at `/hls/` on this server."""
        lines = [
            self.url("/hls/" + x) if x.endswith(".ts") and "://" not in x else x for x in lines
        ]
        return web.Response(
            text="\n".join(lines) + "\n", content_type="application/vnd.apple.mpegurl"
        )

    async def _live(self, request: web.Request) -> web.StreamResponse:
        """The test playlist without its end: what a live stream's playlist looks like."""
        self.requests.append(request.path)
        lines = (self.video.hls_dir / "index.m3u8").read_text().splitlines()
        return self._playlist(
            [x for x in lines if x not in ("#EXT-X-ENDLIST", "#EXT-X-PLAYLIST-TYPE:VOD")]
        )

    async def _mixed(self, request: web.Request) -> web.StreamResponse:
        """The test playlist over http, its segments absolute on the https side (a CDN)."""
        self.requests.append(request.path)
        lines = (self.video.hls_dir / "index.m3u8").read_text().splitlines()
        base = f"https://127.0.0.1:{self.tls_port}/hls/"
        return self._playlist([base + x if x.endswith(".ts") else x for x in lines])

    async def _trap(self, request: web.Request) -> web.StreamResponse:
        """The test playlist with one thing on the canary: a segment or the key."""
        self.requests.append(request.path)
        name = request.match_info["name"]
        lines = (self.video.hls_dir / "index.m3u8").read_text().splitlines()
        segments = [i for i, line in enumerate(lines) if line.endswith(".ts")]
        if name == "segment.m3u8":
            lines[segments[1]] = self.canary_url("/hls/" + lines[segments[1]])
        elif name == "proxy.m3u8":
            # ffmpeg's own proxy client, aimed at the canary as if it were a proxy inside
            lines[segments[1]] = f"httpproxy://{CANARY_HOST}:{self.port}/example.org:80/s.ts"
        elif name == "key.m3u8":
            key = f'#EXT-X-KEY:METHOD=AES-128,URI="{self.canary_url("/key")}"'
            lines.insert(segments[0] - 1, key)
        else:
            raise web.HTTPNotFound()
        return self._playlist(lines)

    async def _flip(self, request: web.Request) -> web.StreamResponse:
        """The video for the first request of a name, a 302 to the canary afterwards."""
        self.requests.append(request.path)
        name = request.match_info["name"]
        self._flips[name] = self._flips.get(name, 0) + 1
        if self._flips[name] > 1:
            raise web.HTTPFound(self.canary_url("/v.mp4"))
        return web.FileResponse(self.video.mp4, headers={"Content-Type": "video/mp4"})

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path)
        raise web.HTTPFound(request.query["to"])
