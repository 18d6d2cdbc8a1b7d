"""Limits no syntax sidesteps: open ends, live streams, retries by others, the disk quota."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fakes.clip_archive import clip_config, clip_rows
from tests.fakes.console_session import run_console
from tests.fakes.media_server import MediaServer


def test_open_ended_ranges_stop_at_max_section_and_live_streams_need_an_end(
    tmp_path: Path, media: MediaServer
) -> None:
    config = clip_config(tmp_path, max_section=10, max_queued_per_member=9)
    hls = media.url("/hls/index.m3u8")
    live = media.url("/live/index.m3u8")
    session = run_console(
        config,
        [
            f"/clip {hls} from 0:30",  # 90 s to the end: only 10 s allowed
            f"/clip {hls} de 1:55",  # 5 s to the end: all of it
            f"/clip {live}",
            f"/clip {live} from 0:04",  # an open end on a live stream never ends
        ],
    )
    assert session.returncode == 0, session.stderr
    sent = session.sent_to("#general")
    assert sent[0].startswith("Clip K1 : téléchargement… (de 0:30, 0:10 au plus)")
    rows = clip_rows(tmp_path)
    assert [(r["status"], r["fail_reason"]) for r in rows] == [
        ("done", None),
        ("done", None),
        ("failed", "live"),
        ("failed", "live"),
    ]
    assert abs(rows[0]["duration"] - 10) <= 1.0
    assert abs(rows[1]["duration"] - 5) <= 1.0
    edits = session.edited_in("#general")
    assert any(e.startswith("Échec du clip K3 : c'est un direct : donnez une fin") for e in edits)
    assert any(e.startswith("Échec du clip K4 : c'est un direct") for e in edits)


def test_retry_is_for_the_requester_or_a_coordinator_and_counts_in_their_queue(
    tmp_path: Path, media: MediaServer
) -> None:
    config = clip_config(tmp_path, max_queued_per_member=1)
    first = run_console(
        config,
        [
            "#general bob: /join",
            "#general carol: /join",
            "#general alice: /accept M1",
            "#general alice: /accept M2",
            f"#general bob: /clip {media.url('/missing.mp4')}",
        ],
    )
    assert first.returncode == 0, first.stderr
    assert clip_rows(tmp_path)[0]["fail_reason"] == "network"

    slow = media.url("/slow/hls/index.m3u8")
    again = run_console(
        config,
        [
            "#general carol: /clip retry K1",  # a member who did not ask for it
            f"#general alice: /clip {slow} 0:00-0:20",  # alice's queue is now full
            "#general alice: /clip retry K1",  # a coordinator, but over her cap
            "#general bob: /clip retry K1",  # the requester
        ],
    )
    assert again.returncode == 0, again.stderr
    sent = again.sent_to("#general")
    assert sent[0] == (
        "Seul le demandeur du clip K1 ou un coordinateur de son périmètre peut le relancer."
    )
    assert sent[1].startswith("Clip K2 : téléchargement…")
    assert sent[2].startswith("Vous avez déjà 1 clip en attente")
    assert sent[3].startswith("Clip K1 : téléchargement…")
    retried, slow_clip = clip_rows(tmp_path)
    assert retried["attempts"] == 2 and retried["queued_by"] == retried["requested_by"]
    assert slow_clip["status"] == "done"


def test_quota_removes_the_oldest_unreferenced_clip_or_refuses_and_tells_the_admins(
    tmp_path: Path, media: MediaServer
) -> None:
    # 10 s of the test video weigh 130-190 kB: two fit in 400 kB, three do not.
    config = clip_config(tmp_path, max_total_gb=0.0004, concurrency=1, max_queued_per_member=9)
    hls = media.url("/hls/index.m3u8")
    session = run_console(
        config,
        [
            "/alert Député X sur France 2",
            f"/clip A1 {hls} 0:00-0:10",  # attached to the alert: kept
            f"/clip {hls} 0:10-0:20",  # the oldest unreferenced: removed for K3
            f"/clip {hls} 0:20-0:30",
            f"/clip {hls}",  # 2 MB: more than can be freed, so refused, nothing removed
        ],
    )
    assert session.returncode == 0, session.stderr
    rows = clip_rows(tmp_path)
    assert [r["status"] for r in rows] == ["done", "expired", "done", "failed"]
    kept, expired, newest, refused = rows
    assert expired["sha256"] and expired["path"] is None and expired["expired_at"]
    assert refused["fail_reason"] == "quota"
    on_disk = {p.name.split(".")[0] for p in (tmp_path / "archive").glob("??/*")}
    assert on_disk == {kept["sha256"], newest["sha256"]}
    edits = session.edited_in("#general")
    assert any(e.startswith("Échec du clip K4 : l'archive est pleine") for e in edits)
    (notice,) = session.sent_to("@alice")
    assert notice.startswith("Archive pleine : ") and "Clip K4 de alice refusé" in notice
    listing = run_console(config, ["/clips"])
    assert "K2 · expiré · index · 0:10-0:20" in listing.stdout

    status = subprocess.run(
        [sys.executable, "-m", "bot", "status", "--config", str(config)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert "of 400 kB" in status.stdout and "2 files for 2 clips, 1 expired" in status.stdout


def test_a_clip_whose_file_was_deleted_is_fetched_again_not_answered_from_the_archive(
    tmp_path: Path, media: MediaServer
) -> None:
    config = clip_config(tmp_path)
    line = f"/clip {media.url('/hls/index.m3u8')} 0:40-0:45"
    first = run_console(config, [line])
    assert first.returncode == 0, first.stderr
    Path(clip_rows(tmp_path)[0]["path"]).unlink()  # an operator cleaning the disk by hand
    again = run_console(config, [line])
    assert again.returncode == 0, again.stderr
    assert again.sent_to("#general")[0].startswith("Clip K2 : téléchargement…")
    old, new = clip_rows(tmp_path)
    assert old["status"] == "expired" and new["status"] == "done"
    assert Path(new["path"]).is_file()
