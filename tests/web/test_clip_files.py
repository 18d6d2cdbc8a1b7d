"""`/c/<token>`: archived clips served with range requests, and nothing else."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from yarl import URL

from bot.domain.ranges import ClipRange
from bot.store.clips import ArchivedFile
from tests.fakes.web_client import WebBot, web_bot

pytestmark = pytest.mark.both_engines

SOURCE = "https://replay.example.org/journal.mp4"


async def _archived(web: WebBot, tmp_path: Path, path: Path | None = None) -> int:
    """A clip of SOURCE from 0:10 to 0:20, archived as a 300 kB file."""
    data = os.urandom(300_000)
    digest = hashlib.sha256(data).hexdigest()
    if path is None:
        path = tmp_path / "archive" / digest[:2] / f"{digest}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    async with web.bot.db.transaction() as tx:
        clip = await tx.clips.create(
            SOURCE,
            ClipRange(10.0, 20.0),
            requested_by=1,
            requester_name="lea",
            origin_platform="fake",
            origin_chat_id="#lyon",
            origin_private=False,
            lang="fr",
        )
        await tx.clips.finish(
            clip.id,
            ArchivedFile(
                title="Journal",
                webpage_url=SOURCE,
                extractor="generic",
                uploader=None,
                duration=10.0,
                size=len(data),
                sha256=digest,
                path=str(path),
            ),
        )
    return clip.id


async def test_the_card_links_the_file_which_serves_ranges_for_a_player(tmp_path: Path) -> None:
    async with web_bot(tmp_path) as web:
        await web.bot.say("#lyon", "lea", "/join")
        await _archived(web, tmp_path)
        await web.bot.say("#lyon", "lea", f"/clip {SOURCE} from 0:10 to 0:20")
        link = web.last_link("#lyon", "/c/")
        file = next((tmp_path / "archive").rglob("*.mp4")).read_bytes()
        async with web.client() as player:
            async with player.get(link.removeprefix(web.base)) as response:
                assert response.status == 200
                assert response.headers["Content-Type"] == "video/mp4"
                assert response.headers["Accept-Ranges"] == "bytes"
                assert await response.read() == file
            async with player.get(
                link.removeprefix(web.base), headers={"Range": "bytes=1000-1999"}
            ) as response:
                assert response.status == 206
                assert response.headers["Content-Range"] == f"bytes 1000-1999/{len(file)}"
                assert await response.read() == file[1000:2000]
            async with player.get(
                link.removeprefix(web.base), headers={"Range": f"bytes={len(file) + 10}-"}
            ) as response:
                assert response.status == 416


async def test_traversal_guesses_and_files_outside_the_archive_are_never_served(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(b"not for you")
    async with web_bot(tmp_path) as web:
        await web.bot.say("#lyon", "lea", "/join")
        clip_id = await _archived(web, tmp_path, path=secret)
        async with web.bot.db.transaction() as tx:
            token = await tx.clip_files.token_for(clip_id)
        async with web.client() as browser:
            async with browser.get(f"/c/{token}") as response:
                assert response.status == 410  # its row points outside the archive
                assert b"not for you" not in await response.read()
            for raw in (
                "/c/..%2f..%2fsecret.mp4",
                "/c/%2e%2e/%2e%2e/etc/passwd",
                "/c/../../etc/passwd",
                "/c/" + "A" * 43,
                "/c/x'%3Cscript%3E",
            ):
                url = URL(web.address + raw, encoded=True)
                async with browser.get(url) as response:
                    assert response.status == 404, raw
                    body = await response.read()
                    assert b"not for you" not in body and b"root:" not in body
                    assert b"<script>" not in body
