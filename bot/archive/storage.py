"""Content-addressed clip files: `<dir>/ab/abcdef….mp4`, named by their sha256.

The same bytes are stored once, whoever asked and under whichever URL. A job
works in its own folder under `<dir>/.jobs/`; only a complete, hashed file is
moved (atomically, same filesystem) into place, so a crash never leaves a
half-written file where a clip points. A restarted job starts from an empty
folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CHUNK = 1 << 20
JOBS = ".jobs"
_STORED_NAME = re.compile(r"^([0-9a-f]{64})(\.[A-Za-z0-9]{1,8})?$")


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    size: int
    path: Path
    already_there: bool


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fresh_job_folder(root: Path, clip_id: int, attempt: int) -> Path:
    """An empty folder for this attempt: what an interrupted attempt left is thrown away.

    One folder per attempt, so a worker orphaned by a crash (it stops itself when
    it notices) can never write into the folder of the attempt that replaced it.
    """
    remove_job_folders(root, clip_id)
    folder = root / JOBS / f"clip-{clip_id}-{attempt}"
    folder.mkdir(parents=True)
    return folder


def remove_job_folders(root: Path, clip_id: int) -> None:
    for folder in (root / JOBS).glob(f"clip-{clip_id}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def store(root: Path, downloaded: Path) -> StoredFile:
    """Hash the finished file and move it into place (or drop it if the bytes are known)."""
    sha = sha256_of(downloaded)
    suffix = downloaded.suffix.lower() if downloaded.suffix else ".bin"
    final = root / sha[:2] / f"{sha}{suffix}"
    final.parent.mkdir(parents=True, exist_ok=True)
    size = downloaded.stat().st_size
    if final.exists() and final.stat().st_size == size:
        downloaded.unlink()
        return StoredFile(sha, size, final, already_there=True)
    os.replace(downloaded, final)
    return StoredFile(sha, size, final, already_there=False)


def is_intact(path: str | None, size: int | None) -> bool:
    """The file a clip points at is still there, at its size (not deleted by hand)."""
    if path is None:
        return False
    try:
        found = Path(path).stat().st_size
    except OSError:
        return False
    return size is None or found == size


def remove_files(paths: Iterable[str]) -> int:
    """Delete stored files (the quota's evictions); a file already gone is no error."""
    removed = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()
            removed += 1
    return removed


def orphan_files(root: Path, live_sha256s: set[str]) -> list[Path]:
    """Stored files no archived clip points at: left by a crash between a quota decision
    (committed) and the deletion, or by a job whose bot died before recording it."""
    found: list[Path] = []
    if not root.is_dir():
        return found
    for folder in root.iterdir():
        if len(folder.name) != 2 or not folder.is_dir():
            continue
        for entry in folder.iterdir():
            match = _STORED_NAME.match(entry.name)
            if match and entry.is_file() and match.group(1) not in live_sha256s:
                found.append(entry)
    return found
