"""Finding ffmpeg without apt, and reading a media file's duration without ffprobe.

Order: `[archive] ffmpeg` from the config, the system `ffmpeg`, then the static
binary shipped in the `imageio-ffmpeg` wheel (works offline, so `make test`
needs nothing beyond pip). That wheel has no ffprobe, and yt-dlp's
`ffmpeg_location` wants a folder holding a file named `ffmpeg`, so we give it
a folder with a link of that name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_DURATION = re.compile(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")


class FfmpegMissing(RuntimeError):
    """No ffmpeg anywhere: the archive cannot cut sections or read HLS."""


@dataclass(frozen=True, slots=True)
class Ffmpeg:
    executable: Path
    origin: str
    """"config", "system" or "imageio-ffmpeg": what `riposte check-config` tells."""

    def describe(self) -> str:
        return f"{self.executable} ({self.origin})"


def find_ffmpeg(override: str = "") -> Ffmpeg:
    if override:
        path = Path(override).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise FfmpegMissing(f"[archive] ffmpeg = {override!r} is not an executable file")
        return Ffmpeg(path, "config")
    system = shutil.which("ffmpeg")
    if system:
        return Ffmpeg(Path(system), "system")
    try:
        import imageio_ffmpeg
    except ImportError:
        raise FfmpegMissing("no ffmpeg on PATH and imageio-ffmpeg is not installed") from None
    try:
        return Ffmpeg(Path(imageio_ffmpeg.get_ffmpeg_exe()), "imageio-ffmpeg")
    except RuntimeError as error:
        raise FfmpegMissing(str(error)) from None


def location_folder(ffmpeg: Ffmpeg, workdir: Path) -> Path:
    """A folder whose `ffmpeg` is this binary, for yt-dlp's `ffmpeg_location`."""
    if ffmpeg.executable.name == "ffmpeg":
        return ffmpeg.executable.parent
    folder = workdir / "ffmpeg-bin"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "ffmpeg"
    if link.is_symlink() and Path(os.readlink(link)) == ffmpeg.executable:
        return folder
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    try:
        link.symlink_to(ffmpeg.executable)
    except FileExistsError:
        pass  # another worker made it at the same moment: same target
    except OSError:
        shutil.copy2(ffmpeg.executable, link)  # a filesystem without symlinks
    return folder


def media_duration(ffmpeg: Path, media: Path, timeout: float = 60.0) -> float | None:
    """The container's duration as ffmpeg reads it (`Duration:` of `ffmpeg -i`)."""
    done = subprocess.run(
        [str(ffmpeg), "-hide_banner", "-nostdin", "-i", str(media)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )
    match = _DURATION.search(done.stderr)
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
