"""The archive's disk quota: what a new clip may push out, and what it may not. No I/O.

Files are the unit: the same bytes are stored once (by sha256) whichever
clips point at them, so space is freed by removing a file, and a file goes
only when none of its clips is referenced (by an alert, a task, a push).
Oldest first, by the last time one of its clips was archived. When even
removing every unreferenced file would not make room, nothing is removed:
the new clip is refused instead, and the archive stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.domain.clips import format_size


def quota_bytes(max_total_gb: float) -> int:
    """`[archive] max_total_gb` in bytes (decimal gigabytes, as sizes are shown)."""
    return int(max_total_gb * 1e9)


@dataclass(frozen=True, slots=True)
class DiskFile:
    """One stored file, as the store sees it."""

    sha256: str
    size: int
    last_used: float
    """When one of its clips was last archived (epoch seconds)."""
    referenced: bool
    """Some clip with these bytes is attached to an alert, a task or a push."""


@dataclass(frozen=True, slots=True)
class SpacePlan:
    fits: bool
    evict: tuple[str, ...]
    """sha256 of the files to remove, oldest first (empty when nothing needs to go)."""
    used: int
    freeable: int


def plan_space(
    files: Sequence[DiskFile], incoming: int, quota: int, keep: Iterable[str] = ()
) -> SpacePlan:
    """Make room for `incoming` bytes under `quota`, never removing the files in `keep`."""
    kept = set(keep)
    used = sum(f.size for f in files)
    candidates = sorted(
        (f for f in files if not f.referenced and f.sha256 not in kept),
        key=lambda f: (f.last_used, f.sha256),
    )
    freeable = sum(f.size for f in candidates)
    need = used + incoming - quota
    if need <= 0:
        return SpacePlan(True, (), used, freeable)
    if freeable < need:
        return SpacePlan(False, (), used, freeable)
    evict: list[str] = []
    freed = 0
    for candidate in candidates:
        if freed >= need:
            break
        evict.append(candidate.sha256)
        freed += candidate.size
    return SpacePlan(True, tuple(evict), used, freeable)


@dataclass(frozen=True, slots=True)
class ArchiveUsage:
    """What `riposte status` says about the archive."""

    used: int
    quota: int
    files: int
    clips: int
    expired: int
    freeable: int


def archive_usage(files: Sequence[DiskFile], quota: int, clips: int, expired: int) -> ArchiveUsage:
    return ArchiveUsage(
        used=sum(f.size for f in files),
        quota=quota,
        files=len(files),
        clips=clips,
        expired=expired,
        freeable=sum(f.size for f in files if not f.referenced),
    )


def describe_usage(usage: ArchiveUsage, where: Path) -> str:
    """`riposte status`'s archive line: for the operator, in English like the rest of it."""
    share = usage.used / usage.quota * 100 if usage.quota else 0.0
    return (
        f"archive {where}: {format_size(usage.used)} of {format_size(usage.quota)}"
        f" ({share:.0f} %), {usage.files} files for {usage.clips} clips,"
        f" {usage.expired} expired; {format_size(usage.freeable)} could be freed"
    )
