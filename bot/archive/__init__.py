"""The clip archive: yt-dlp + ffmpeg jobs in a separate process, URL policy, storage."""

from bot.archive.cards import render_card, render_failure, render_progress, render_queued
from bot.archive.ffmpeg import Ffmpeg, FfmpegMissing, find_ffmpeg
from bot.archive.service import ArchiveService
from bot.archive.url_policy import UrlRefused, check_url, is_forbidden_address

__all__ = [
    "ArchiveService",
    "Ffmpeg",
    "FfmpegMissing",
    "UrlRefused",
    "check_url",
    "find_ffmpeg",
    "is_forbidden_address",
    "render_card",
    "render_failure",
    "render_progress",
    "render_queued",
]
