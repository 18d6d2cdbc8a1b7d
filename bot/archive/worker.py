"""`python -m bot.archive.worker SPEC_JSON`: one clip, downloaded by yt-dlp in its own process.

yt-dlp's `download()` is blocking (it froze an event loop for ~5 s when
called from a coroutine), so the bot never runs it: it starts this process,
reads one JSON event per line from its stdout, and can kill its whole process
group (with ffmpeg in it) on timeout or when the size cap is passed.

Events: `{"event": "progress", "fraction", "downloaded", "speed", "eta"}`,
`{"event": "done", ...file metadata}`, `{"event": "error", "reason", "detail"}`.

Every request yt-dlp and ffmpeg make goes through the fetch guard
(`fetch_guard.py`), a proxy in this process that resolves, checks and pins
each connection; nothing else in the process may resolve a name. Media URLs
are handed to the downloaders as the guard's names (`guard_urls.py`), so
ffmpeg speaks plain http to the guard only.

Section downloads go through ffmpeg, for which yt-dlp reports no progress
until the end, so we ask ffmpeg for `-progress <file>` and read its
`out_time_us` against the requested length. yt-dlp's `max_filesize` is not
applied to HLS and skips direct files silently, so the size cap is ours: the
progress readings are checked against it and the job stops when passed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.archive import storage
from bot.archive.fetch_guard import GuardProxy, Resolver, confine_resolution, system_resolve
from bot.archive.ffmpeg import media_duration
from bot.archive.guard_urls import Origins
from bot.archive.url_policy import AddressPolicy
from bot.domain.clips import FailReason

EMIT_EVERY = 0.5
"""Seconds between progress events (the service edits chat messages far less often)."""

_SKIP_SUFFIXES = (".part", ".ytdl", ".log", ".progress", ".temp")
FFMPEG_PROTOCOLS = "http,tcp,crypto"
_PROXY_VARIABLES = (
    "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
    "no_proxy", "NO_PROXY",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class JobSpec:
    """Everything the worker needs, passed as one JSON argument (no config file read)."""

    clip_id: int
    url: str
    start: float
    end: float | None
    archive_dir: str
    folder: str
    ffmpeg: str
    ffmpeg_location: str
    allow_private: bool = False
    trusted_hosts: tuple[str, ...] = ()
    max_duration: float = 4 * 3600.0
    max_section: float = 1800.0
    max_bytes: int = 2_000_000_000
    socket_timeout: float = 20.0
    retries: int = 3
    keyframe_accurate: bool = False

    def to_arg(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_arg(cls, raw: str) -> JobSpec:
        data = json.loads(raw)
        data["trusted_hosts"] = tuple(data.get("trusted_hosts", ()))
        return cls(**data)


class JobFailed(Exception):
    def __init__(self, reason: FailReason, detail: str = "") -> None:
        super().__init__(detail or reason.value)
        self.reason = reason
        self.detail = detail


class Events:
    """The JSON line channel to the bot; thread-safe (the ffmpeg reader writes too)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._last = 0.0

    def emit(self, event: str, **fields: Any) -> None:
        with self._lock:
            self._stream.write(json.dumps({"event": event, **fields}) + "\n")
            self._stream.flush()

    def progress(
        self, fraction: float | None, downloaded: int, speed: float | None, eta: float | None
    ) -> None:
        now = time.monotonic()
        if now - self._last < EMIT_EVERY:
            return
        self._last = now
        self.emit("progress", fraction=fraction, downloaded=downloaded, speed=speed, eta=eta)


class _Logger:
    """yt-dlp's messages go to stderr (a log file the bot keeps), never to the event channel."""

    def debug(self, msg: str) -> None:
        pass

    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        print(f"WARNING: {msg}", file=sys.stderr, flush=True)

    def error(self, msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)


class FfmpegProgress(threading.Thread):
    """Reads ffmpeg's `-progress` file: how far into the section, and how many bytes."""

    def __init__(self, path: Path, length: float | None, spec: JobSpec, events: Events) -> None:
        super().__init__(name="ffmpeg-progress", daemon=True)
        self._path = path
        self._length = length
        self._spec = spec
        self._events = events
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        started = time.monotonic()
        while not self._stop.wait(0.25):
            try:
                with self._path.open("rb") as handle:
                    # The file grows by one block every 0.5 s: the last blocks are enough.
                    handle.seek(max(handle.seek(0, os.SEEK_END) - 4096, 0))
                    text = handle.read().decode("utf-8", "replace")
            except OSError:
                continue
            values = dict(re.findall(r"^(\w+)=(\S*)$", text, re.MULTILINE))
            try:
                done_us = int(values.get("out_time_us", "0"))
                size = int(values.get("total_size", "0"))
            except ValueError:
                continue
            if size > self._spec.max_bytes:
                # The caller's process group (ffmpeg included) is killed on this event.
                self._events.emit("error", reason=FailReason.TOO_BIG.value, detail=str(size))
                os._exit(3)
            elapsed = max(time.monotonic() - started, 0.001)
            fraction = None
            eta = None
            if self._length:
                fraction = min(done_us / 1e6 / self._length, 1.0)
                if fraction > 0:
                    eta = elapsed * (1 - fraction) / fraction
            self._events.progress(fraction, size, size / elapsed, eta)


class ParentWatch(threading.Thread):
    """If the bot dies (even by SIGKILL), stop this worker and its ffmpeg at once.

    The worker runs in its own process group so the bot can kill it with its
    ffmpeg; the other side of that is that the bot's death does not reach it.
    """

    def __init__(self) -> None:
        super().__init__(name="parent-watch", daemon=True)
        self._parent = os.getppid()

    def run(self) -> None:
        while os.getppid() == self._parent:
            time.sleep(0.5)
        os.killpg(os.getpgid(0), signal.SIGKILL)


def _classify(message: str) -> FailReason:
    lowered = message.lower()
    if "unsupported url" in lowered or "no video formats" in lowered:
        return FailReason.UNSUPPORTED
    if any(
        word in lowered
        for word in ("geo restrict", "geo-restrict", "your country", "from your location")
    ):
        return FailReason.GEO
    if any(
        word in lowered
        for word in ("timed out", "unable to download", "http error", "connection", "network")
    ):
        return FailReason.NETWORK
    return FailReason.FAILED


def _hook(spec: JobSpec, events: Events) -> Any:
    def hook(status: dict[str, Any]) -> None:
        if status.get("status") != "downloading":
            return
        downloaded = int(status.get("downloaded_bytes") or 0)
        if downloaded > spec.max_bytes:
            raise JobFailed(FailReason.TOO_BIG, str(downloaded))
        total = status.get("total_bytes") or status.get("total_bytes_estimate")
        fraction = None
        if status.get("fragment_count") and status.get("fragment_index") is not None:
            fraction = float(status["fragment_index"]) / float(status["fragment_count"])
        elif total:
            if total > spec.max_bytes * 1.05:
                raise JobFailed(FailReason.TOO_BIG, str(int(total)))
            fraction = downloaded / float(total)
        events.progress(fraction, downloaded, status.get("speed"), status.get("eta"))

    return hook


def _options(spec: JobSpec, events: Events, progress_file: Path, proxy: str) -> dict[str, Any]:
    folder = Path(spec.folder)
    return {
        "logger": _Logger(),
        "quiet": True,
        "noprogress": True,
        "no_color": True,
        "noplaylist": True,
        "playlist_items": "1",
        "cachedir": False,
        "overwrites": True,
        "continuedl": False,
        "paths": {"home": str(folder), "temp": str(folder)},
        "outtmpl": {"default": "clip.%(ext)s"},
        "ffmpeg_location": spec.ffmpeg_location,
        # Every request of yt-dlp, and (through http_proxy) of the ffmpeg it starts.
        "proxy": proxy,
        "socket_timeout": spec.socket_timeout,
        # The default 10 retries make a stalled download take 11 x socket_timeout to fail.
        "retries": spec.retries,
        "fragment_retries": spec.retries,
        "extractor_retries": min(spec.retries, 1),
        "progress_hooks": [_hook(spec, events)],
        "merge_output_format": "mp4",
        "external_downloader_args": {
            # ffmpeg opens the media URL itself for sections, always a guard name: plain
            # http to the guard and nothing else. No `file` (a playlist could read our
            # disk), no `tls`/`httpproxy` (a playlist could name a proxy on our network).
            "ffmpeg_i": ["-protocol_whitelist", FFMPEG_PROTOCOLS],
            "ffmpeg_o": ["-progress", str(progress_file), "-nostats"],
        },
        # Never: executing commands (`exec`), reading local files (`enable_file_urls`),
        # cookies from browsers, or plugins: none of these options is ever set.
    }


def _section(options: dict[str, Any], start: float, end: float, exact: bool) -> None:
    def ranges(info: dict[str, Any], ydl: Any) -> list[dict[str, float]]:
        return [{"start_time": start, "end_time": end}]

    options["download_ranges"] = ranges
    options["force_keyframes_at_cuts"] = exact


def _route_formats(info: dict[str, Any], origins: Origins) -> None:
    """Every media URL of every format, as a guard name (`guard_urls`)."""
    for fmt in info.get("formats") or [info]:
        for key in ("url", "manifest_url", "fragment_base_url"):
            value = fmt.get(key)
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                fmt[key] = origins.route(value)
        fragments = fmt.get("fragments")
        for fragment in fragments if isinstance(fragments, list) else ():
            value = fragment.get("url") if isinstance(fragment, dict) else None
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                fragment["url"] = origins.route(value)


def _is_live(info: dict[str, Any]) -> bool:
    return bool(info.get("is_live")) or info.get("live_status") in ("is_live", "is_upcoming")


def effective_end(spec: JobSpec, info: dict[str, Any]) -> float | None:
    """Where the download stops: the range's end, or `max_section` after an open start.

    Refuses (JobFailed) what no range syntax may ask for: a live stream with no
    end, a whole video over `max_duration`, a start past the end.
    """
    duration = info.get("duration")
    whole = spec.start == 0 and spec.end is None
    if _is_live(info) and spec.end is None:
        raise JobFailed(FailReason.LIVE, "live stream without an end")
    if whole and duration and duration > spec.max_duration:
        raise JobFailed(FailReason.TOO_LONG, f"{duration:.0f} s")
    if duration and spec.start >= duration:
        raise JobFailed(FailReason.OUT_OF_RANGE, f"{spec.start:.0f} s >= {duration:.0f} s")
    if whole:
        return None
    return spec.end if spec.end is not None else spec.start + spec.max_section


def _downloaded_file(info: dict[str, Any], folder: Path) -> Path:
    for download in info.get("requested_downloads") or ():
        path = download.get("filepath")
        if path and Path(path).is_file():
            return Path(path)
    candidates = [
        p for p in folder.iterdir() if p.is_file() and not p.name.endswith(_SKIP_SUFFIXES)
    ]
    if not candidates:
        raise JobFailed(FailReason.FAILED, "no file was written")
    return max(candidates, key=lambda p: p.stat().st_size)


@contextlib.contextmanager
def _proxied_environment(proxy: str) -> Iterator[None]:
    """The guard as the only proxy of this process and its children (ffmpeg); no exceptions.

    ffmpeg honours `http_proxy` for http and, by a CONNECT tunnel, for https;
    a `no_proxy` inherited from the operator's shell would let hosts around it.
    """
    saved = {name: os.environ.get(name) for name in _PROXY_VARIABLES}
    for name in _PROXY_VARIABLES:
        os.environ.pop(name, None)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        os.environ[name] = proxy
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(spec: JobSpec, events: Events, *, resolve: Resolver = system_resolve) -> None:
    """One clip, every request through the fetch guard.

    `resolve` is the guard's resolver: the system's; tests pass their own to
    play DNS tricks.
    """
    policy = AddressPolicy.from_settings(spec.allow_private, spec.trusted_hosts)
    with GuardProxy(policy, resolve=resolve, timeout=spec.socket_timeout) as guard:
        refusals = guard.refusals
        try:
            with (
                confine_resolution(guard.port, refusals.append),
                _proxied_environment(guard.url),
            ):
                _download(spec, events, guard)
        except JobFailed as failure:
            if refusals and failure.reason is not FailReason.TOO_BIG:
                raise JobFailed(FailReason.PRIVATE, refusals[0]) from None
            raise


def _download(spec: JobSpec, events: Events, guard: GuardProxy) -> None:
    import yt_dlp  # imported here: a second or so, and only this process needs it
    from yt_dlp.postprocessor.ffmpeg import FFmpegPostProcessor

    # FFmpegFD.available() looks for ffmpeg without the options, so the option alone
    # makes sections fail with "ffmpeg is not installed"; yt-dlp's CLI sets this too.
    FFmpegPostProcessor._ffmpeg_location.set(spec.ffmpeg_location)

    folder = Path(spec.folder)
    progress_file = folder / "ffmpeg.progress"
    options = _options(spec, events, progress_file, guard.url)
    refusals = guard.refusals
    reader: FfmpegProgress | None = None
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            guard.cookie_header = ydl.cookiejar.get_cookie_header
            info = ydl.extract_info(spec.url, download=False)
            if info is None:
                raise JobFailed(FailReason.UNSUPPORTED, "nothing to download")
            if info.get("_type") == "playlist":
                raise JobFailed(FailReason.UNSUPPORTED, "a playlist, not one video")
            duration = info.get("duration")
            end = effective_end(spec, info)
            if end is not None:
                _section(ydl.params, spec.start, end, spec.keyframe_accurate)
                stop = min(end, duration) if duration else end
                reader = FfmpegProgress(progress_file, stop - spec.start, spec, events)
                reader.start()
            events.emit("info", title=info.get("title"), duration=duration)
            _route_formats(info, guard.origins)
            result = ydl.process_ie_result(info, download=True)
    except JobFailed:
        raise
    except Exception as error:
        if refusals:
            raise JobFailed(FailReason.PRIVATE, refusals[0]) from None
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, JobFailed):
                raise cause from None
            cause = cause.__cause__ or cause.__context__
        raise JobFailed(_classify(str(error)), str(error)[:300]) from None
    finally:
        if reader is not None:
            reader.stop()
    if refusals:
        # A playlist with one refused segment may still "succeed" without it: never keep that.
        raise JobFailed(FailReason.PRIVATE, refusals[0])
    downloaded = _downloaded_file(result, folder)
    if downloaded.stat().st_size > spec.max_bytes:
        raise JobFailed(FailReason.TOO_BIG, str(downloaded.stat().st_size))
    measured = media_duration(Path(spec.ffmpeg), downloaded)
    if spec.start == 0 and spec.end is None and measured and measured > spec.max_duration + 1:
        # A direct file announces no duration before it is fetched: the cap holds after.
        raise JobFailed(FailReason.TOO_LONG, f"{measured:.0f} s")
    stored = storage.store(Path(spec.archive_dir), downloaded)
    events.emit(
        "done",
        title=result.get("title"),
        webpage_url=result.get("webpage_url") or spec.url,
        extractor=result.get("extractor_key") or result.get("extractor"),
        uploader=result.get("uploader"),
        duration=measured,
        size=stored.size,
        sha256=stored.sha256,
        path=str(stored.path),
        already_there=stored.already_there,
    )


def main(argv: list[str]) -> int:
    # The event channel is our own copy of stdout; fd 1 becomes stderr so that
    # nothing ffmpeg or yt-dlp prints can be mistaken for an event.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    events = Events(channel)
    if len(argv) != 1:
        events.emit("error", reason=FailReason.FAILED.value, detail="usage: worker SPEC_JSON")
        return 2
    spec = JobSpec.from_arg(argv[0])
    ParentWatch().start()
    try:
        run(spec, events)
    except JobFailed as failure:
        events.emit("error", reason=failure.reason.value, detail=failure.detail[:300])
        return 1
    except Exception as error:  # the bot gets a reason, never a traceback
        print(f"worker: unexpected {type(error).__name__}: {error}", file=sys.stderr)
        events.emit("error", reason=FailReason.FAILED.value, detail=type(error).__name__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
