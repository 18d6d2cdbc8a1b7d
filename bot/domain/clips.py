"""Clips: what was asked, what was archived, and how progress reads in a chat. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.ids import Kind, format_id
from bot.domain.ranges import ClipRange

BAR_CELLS = 10


class ClipStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"
    """Archived once; its file was removed to free space (the row keeps the sha256)."""


class FailReason(StrEnum):
    """Why a job failed, as the worker reports it; each has an i18n key `clip.fail.<reason>`."""

    PRIVATE = "private"
    UNSUPPORTED = "unsupported"
    GEO = "geo"
    TOO_LONG = "too_long"
    LIVE = "live"
    TOO_BIG = "too_big"
    OUT_OF_RANGE = "out_of_range"
    NETWORK = "network"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"
    QUOTA = "quota"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Clip:
    id: int
    url: str
    range: ClipRange
    status: ClipStatus
    requested_by: int | None
    requester_name: str
    requested_at: datetime
    origin_platform: str
    origin_chat_id: str
    origin_private: bool
    progress_outbox_id: int | None = None
    lang: str | None = None
    alert_id: int | None = None
    title: str | None = None
    webpage_url: str | None = None
    extractor: str | None = None
    uploader: str | None = None
    duration: float | None = None
    size: int | None = None
    sha256: str | None = None
    path: str | None = None
    note: str | None = None
    fail_reason: str | None = None
    fail_detail: str | None = None
    attempts: int = 0
    finished_at: datetime | None = None
    expired_at: datetime | None = None
    queued_by: int | None = None
    """Whose queue it occupies: the requester, or the member who retried it last."""

    @property
    def short_id(self) -> str:
        return format_id(Kind.CLIP, self.id)


@dataclass(frozen=True, slots=True)
class Progress:
    """One reading of a running download. Fraction None: unknown total (a live stream)."""

    fraction: float | None
    downloaded: int = 0
    speed: float | None = None
    eta: float | None = None


def progress_bar(fraction: float | None) -> str:
    """`▓▓▓▓▓░░░░░ 52 %`; an unknown total shows an empty bar and no percent."""
    if fraction is None:
        return "░" * BAR_CELLS
    clamped = min(max(fraction, 0.0), 1.0)
    full = int(clamped * BAR_CELLS + 1e-9)
    return "▓" * full + "░" * (BAR_CELLS - full) + f" {int(clamped * 100)} %"


def format_size(size: float | None) -> str:
    """Bytes for people: `6.1 MB`, `820 kB`, `512 B` (decimal units, as players show)."""
    if size is None:
        return "?"
    if size >= 1e9:
        return f"{size / 1e9:.2f} GB"
    if size >= 1e6:
        return f"{size / 1e6:.1f} MB"
    if size >= 1e3:
        return f"{size / 1e3:.0f} kB"
    return f"{int(size)} B"


def format_speed(speed: float | None) -> str:
    return "?" if not speed or speed <= 0 else format_size(speed) + "/s"


def format_duration(seconds: float | None) -> str:
    """`45 s`, `2 min 05 s`, `1 h 02 min`."""
    if seconds is None:
        return "?"
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
