"""`/c/<token>`: an archived clip, with range requests so a browser player can seek.

The token is looked up in the store and the file path comes from the clip's
row, never from the URL; the path is still checked to lie inside the archive
folder, and anything that is not a token's shape is a 404 without a look-up.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from aiohttp import web

from bot.domain.clips import ClipStatus
from bot.i18n import pick_lang
from bot.web.layout import message_page
from bot.web.runtime import Runtime

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MIME = {".mp4": "video/mp4", ".webm": "video/webm", ".mkv": "video/x-matroska",
        ".mov": "video/quicktime", ".m4a": "audio/mp4", ".mp3": "audio/mpeg"}


class ClipFiles:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._archive = runtime.settings.archive.dir.resolve()
        self._lang = pick_lang(runtime.settings.network.lang)

    def _servable(self, path: Path) -> bool:
        """A regular file inside the archive folder (symlinks resolved first)."""
        try:
            path.resolve().relative_to(self._archive)
        except (OSError, ValueError):
            return False
        return path.is_file()

    async def serve(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not _TOKEN.match(token):
            return message_page(self._lang, 404, "web.clip.not_found")
        async with self._runtime.reader.read() as tx:
            clip_id = await tx.clip_files.clip_id(token)
            clip = await tx.clips.get(clip_id) if clip_id is not None else None
        if clip is None:
            return message_page(self._lang, 404, "web.clip.not_found")
        if clip.status is ClipStatus.EXPIRED or clip.path is None:
            return message_page(self._lang, 410, "web.clip.expired")
        path = Path(clip.path)
        if not await asyncio.to_thread(self._servable, path):
            return message_page(self._lang, 410, "web.clip.expired")
        suffix = path.suffix.lower()
        response = web.FileResponse(
            path,
            headers={
                "Content-Type": MIME.get(suffix, "application/octet-stream"),
                "Content-Disposition": f'inline; filename="{clip.short_id}{suffix}"',
                "Cache-Control": "private, max-age=3600",
                "Accept-Ranges": "bytes",
            },
        )
        return response
