"""The disk quota waits for uploads: a clip whose video is still on its way to a room is
not removed to make room, and goes like any other once it has arrived."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.domain import OutgoingMessage, Target, TargetKind
from bot.domain.ranges import ClipRange
from bot.store import Database
from bot.store.clips import ArchivedFile
from bot.store.outbox import Failed, Priority
from tests.fakes.clip_archive import clip_rows
from tests.fakes.media_server import MediaServer
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_bot import ALICE, LYON, PARIS, run_bot


def _statuses(tmp_path: Path) -> list[str]:
    return [str(r["status"]) for r in clip_rows(tmp_path)]


def _videos_to(api: FakeTelegramAPI, chat: int) -> int:
    return sum(
        1
        for call in api.calls_to("sendVideo")
        if call.status == 200 and int(call.params["chat_id"]) == chat
    )


async def test_a_clip_uploading_to_a_room_stays_in_a_full_archive_until_it_has_arrived(
    tmp_path: Path, media: MediaServer
) -> None:
    # 10 s of the test video weigh 130-190 kB: two fit in 400 kB, three do not.
    archive = {
        "dir": str(tmp_path / "archive"),
        "allow_private_urls": True,
        "concurrency": 1,
        "max_total_gb": 0.0004,
        "max_queued_per_member": 9,
    }
    hls = media.url("/hls/index.m3u8")
    async with FakeTelegramAPI() as api:
        api.add_user(ALICE, "Alice", username="alice")
        api.add_group(PARIS, "Paris")
        api.add_group(LYON, "Lyon")
        arrives = asyncio.Event()
        # Paris's Bot API server is slow to take the video: its upload stays on its way.
        api.fail_next(
            "sendVideo", "slow", until=arrives, when=lambda p: int(p["chat_id"]) == PARIS
        )
        async with run_bot(tmp_path, api, request_timeout=30, sections={"archive": archive}) as bot:
            for chat in (PARIS, LYON):
                await bot.converse(chat, ALICE, "/link", "Salon relié")
            await bot.converse(PARIS, ALICE, f"/clip {hls} 0:00-0:10", "Clip K1")
            await api.wait_for(lambda: api.started["sendVideo"] >= 1, 60)
            await bot.converse(LYON, ALICE, f"/clip {hls} 0:10-0:20", "Clip K2")
            await api.wait_for(lambda: _videos_to(api, LYON) == 1, 60)
            # Over the quota: K1 is the oldest clip nothing refers to, but its video is
            # still on its way to Paris, so K2 makes room instead.
            await bot.converse(LYON, ALICE, f"/clip {hls} 0:20-0:30", "Clip K3")
            await api.wait_for(lambda: _videos_to(api, LYON) == 2, 60)
            assert _statuses(tmp_path) == ["done", "expired", "done"]
            k1 = clip_rows(tmp_path)[0]
            assert await asyncio.to_thread(Path(k1["path"]).is_file)

            arrives.set()
            await api.wait_for(lambda: _videos_to(api, PARIS) == 1, 60)
            [upload] = [c for c in api.calls_to("sendVideo") if int(c.params["chat_id"]) == PARIS]
            assert upload.files == ("video",)
            # Arrived: K1 is an archived clip like any other, and the next one pushes it out.
            await bot.converse(LYON, ALICE, f"/clip {hls} 0:30-0:40", "Clip K4")
            await api.wait_for(lambda: _videos_to(api, LYON) == 3, 60)
            assert _statuses(tmp_path) == ["expired", "expired", "done", "done"]
            assert not await asyncio.to_thread(Path(k1["path"]).exists)


async def test_a_file_counts_as_referenced_while_an_upload_of_its_clip_waits(
    store: Database,
) -> None:
    """The same rule on both engines, in the store: pending or claimed, the file stays;
    delivered or failed, it may go."""
    room = Target("telegram", TargetKind.ROOM, "-100")
    async with store.transaction() as tx:
        clip = await tx.clips.create(
            "https://replay.example.tv/v", ClipRange(0, 10), requested_by=None,
            requester_name="alice", origin_platform="telegram", origin_chat_id="-100",
            origin_private=False, lang="fr",
        )  # fmt: skip
        await tx.clips.finish(
            clip.id, ArchivedFile("t", None, None, None, 10.0, 1000, "ab" * 32, "/a/ab.mp4")
        )
        video = OutgoingMessage.plain("K1")
        row = await tx.outbox.enqueue(room, video, Priority.REPLY, subject=f"clip:{clip.id}")

    async def referenced() -> bool:
        async with store.reading() as tx:
            [found] = await tx.clips.archived_files()
        return found.referenced

    assert await referenced()
    async with store.transaction() as tx:
        await tx.outbox.claim_due("telegram", 1e12, 10, 30, owner="w")
    assert await referenced()
    async with store.transaction() as tx:
        await tx.outbox.record([Failed(row, "gone")], owner="w")
    assert not await referenced()
