"""The clip archive as a member uses it: `riposte run` on the console, yt-dlp for real,
against a replay site on 127.0.0.1 serving a video made by the suite."""

from __future__ import annotations

import hashlib
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.fakes.clip_archive import clip_config, clip_rows, outbox_rows
from tests.fakes.config_files import write_config
from tests.fakes.console_session import Session, run_console
from tests.fakes.media_server import MediaServer


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_hls_section_is_archived_and_card_replaces_progress(
    tmp_path: Path, media: MediaServer
) -> None:
    config = clip_config(tmp_path)
    url = media.url("/hls/index.m3u8")
    session = run_console(config, [f"/clip {url} from 0:10 to 0:30"])
    assert session.returncode == 0, session.stderr
    sent = session.sent_to("#general")
    assert sent[0].startswith("Clip K1 : téléchargement… (0:10-0:30)")
    card = session.edited_in("#general")[-1]
    assert card.startswith("Clip K1 — ")
    assert "0:10-0:30" in session.stdout
    (row,) = clip_rows(tmp_path)
    assert row["status"] == "done"
    assert abs(row["duration"] - 20) <= 1.0
    stored = Path(row["path"])
    assert stored.is_file() and stored.parent.parent == tmp_path / "archive"
    assert stored.name.startswith(row["sha256"])
    assert _sha256(stored) == row["sha256"]
    assert f"sha256 {row['sha256'][:12]}…" in session.stdout
    assert not list((tmp_path / "archive" / ".jobs").glob("clip-*"))  # no leftovers


def test_whole_videos_download_from_direct_mp4_and_hls(tmp_path: Path, media: MediaServer) -> None:
    config = clip_config(tmp_path)
    lines = [f"/clip {media.url('/v.mp4')}", f"/clip {media.url('/hls/index.m3u8')}"]
    session = run_console(config, lines)
    assert session.returncode == 0, session.stderr
    direct, hls = clip_rows(tmp_path)
    assert direct["status"] == "done", direct["fail_detail"]
    assert direct["sha256"] == _sha256(media.video.mp4)  # byte for byte
    assert hls["status"] == "done", hls["fail_detail"]
    for row in (direct, hls):
        assert abs(row["duration"] - 120) <= 1.0
    cards = [e for e in session.edited_in("#general") if " — " in e]
    assert len(cards) == 2
    assert session.stdout.count("Plage : vidéo entière · 2 min 00 s") == 2


def test_keyframe_accurate_cut_is_exact(tmp_path: Path, media: MediaServer) -> None:
    config = clip_config(tmp_path, keyframe_accurate=True)
    session = run_console(config, [f"/clip {media.url('/v.mp4')} 0:11-0:21"])
    assert session.returncode == 0, session.stderr
    (row,) = clip_rows(tmp_path)
    assert row["status"] == "done", row["fail_detail"]
    assert abs(row["duration"] - 10) <= 0.15


@pytest.fixture(scope="module")
def slow_download(
    tmp_path_factory: pytest.TempPathFactory, media: MediaServer
) -> tuple[Path, Session]:
    """One session: a clip of the slow replay, then `/clips` typed while it downloads."""
    directory = tmp_path_factory.mktemp("slow")
    config = clip_config(directory)
    url = media.url("/slow/hls/index.m3u8")
    session = run_console(config, [f"/clip {url} from 0:00 to 0:32", "/clips"])
    assert session.returncode == 0, session.stderr
    return directory, session


def test_progress_is_edited_in_place_at_most_every_two_seconds(
    slow_download: tuple[Path, Session],
) -> None:
    directory, session = slow_download
    edits = session.edited_in("#general")
    bars = [e for e in edits if "▓" in e or "░" in e]
    assert bars, session.stdout
    assert "%" in bars[-1] and " · " in bars[-1]
    assert edits[-1].startswith("Clip K1 — ")
    original = next(r["id"] for r in outbox_rows(directory) if r["edit_of"] is None)
    due = [r["not_before"] for r in outbox_rows(directory) if r["edit_of"] == original]
    assert len(due) == len(edits)
    assert all(later - earlier >= 1.99 for earlier, later in itertools.pairwise(due))


def test_same_url_and_range_answers_at_once_with_the_existing_clip_and_clips_finds_it(
    tmp_path: Path, media: MediaServer
) -> None:
    config = clip_config(tmp_path)
    url = media.url("/hls/index.m3u8")
    first = run_console(config, [f"/clip {url} 1:00-1:20"])
    assert first.returncode == 0, first.stderr
    again = run_console(
        config,
        [f"/clip {url} from 1:00 to 1:20", "/clips", "/clips index", "/clips nothing-like-this"],
    )
    assert again.returncode == 0, again.stderr
    sent = again.sent_to("#general")
    assert sent[0] == "Déjà archivé : K1."
    assert sent[1].startswith("Clip K1 — ")
    assert not again.edited_in("#general")
    assert len(clip_rows(tmp_path)) == 1
    assert sent[2:] == ["Derniers clips :", "Clips trouvés :", "Aucun clip ne correspond."]
    assert again.stdout.count("K1 · archivé · index · 1:00-1:20") == 2  # latest, and by title


def test_refusals_need_no_download(tmp_path: Path, media: MediaServer) -> None:
    config = clip_config(tmp_path, allow_private_urls=False, max_section=600)
    lines = [
        "/clip file:///etc/passwd",
        "/clip ftp://example.org/v.mp4",
        f"/clip {media.url('/v.mp4')}",
        "/clip http://10.0.0.1/v.mp4",
        "/clip http://[::1]/v.mp4",
        "/clip https://tv.example.org/replay from 0:00 to 20:00",
        "/clip https://tv.example.org/replay from 12:3x to 13:10",
        "/clip https://tv.example.org/replay 13:10-12:30",
    ]
    requests_before = len(media.requests)
    session = run_console(config, lines)
    assert session.returncode == 0, session.stderr
    sent = session.sent_to("#general")
    assert sent[0].startswith("Seuls les liens http et https") and "(pas file)" in sent[0]
    assert "(pas ftp)" in sent[1]
    assert sent[2] == "Refusé : 127.0.0.1 est une adresse privée ou locale."
    assert sent[3] == "Refusé : 10.0.0.1 est une adresse privée ou locale."
    assert sent[4] == "Refusé : ::1 est une adresse privée ou locale."
    assert sent[5].startswith("Plage trop longue (20:00) : au plus 10:00")
    assert sent[6].startswith("« 12:3x » n'est pas une heure")
    assert sent[7].startswith("La plage finit (12:30) avant de commencer (13:10)")
    assert "Traceback" not in session.stdout
    assert clip_rows(tmp_path) == []
    assert media.requests[requests_before:] == []  # refused without fetching anything


def test_redirect_from_allowed_host_to_private_one_is_refused(
    tmp_path: Path, media: MediaServer
) -> None:
    config = clip_config(tmp_path, allow_private_urls=False, trusted_hosts=["127.0.0.1"])
    hits_before = len(media.canary_hits)
    lines = [
        f"/clip {media.url('/redirect')}?to={media.canary_url('/v.mp4')}",
        f"/clip {media.url('/evil.m3u8')} 0:00-0:08",  # a playlist pointing at our disk
    ]
    session = run_console(config, lines)
    assert session.returncode == 0, session.stderr
    assert session.sent_to("#general")[0].startswith("Clip K1 : téléchargement…")
    edits = session.edited_in("#general")
    assert "Échec du clip K1 : le lien mène à une adresse privée ou locale." in " ".join(edits)
    assert any(e.startswith("Échec du clip K2 : ") for e in edits)
    redirected, evil = clip_rows(tmp_path)
    assert redirected["status"] == "failed" and redirected["fail_reason"] == "private"
    assert evil["status"] == "failed"
    assert not list((tmp_path / "archive").glob("??/*"))
    assert media.canary_hits[hits_before:] == []


def test_bot_answers_other_commands_while_a_clip_downloads(
    slow_download: tuple[Path, Session],
) -> None:
    _, session = slow_download
    listing = session.lines.index("-> #general: Derniers clips :")
    card = next(
        i for i, line in enumerate(session.lines) if line.startswith("~> #general: Clip K1 —")
    )
    assert listing < card  # the listing was answered before the download ended
    assert session.lines[listing + 1].strip().startswith(("K1 · en cours", "K1 · en attente"))


def _start_bot(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        start_new_session=True,
    )


def test_jobs_resume_after_a_crash(tmp_path: Path, media: MediaServer) -> None:
    config = clip_config(tmp_path, concurrency=1)
    slow = media.url("/slow/hls/index.m3u8")
    fast = media.url("/hls/index.m3u8")
    with _start_bot(config) as bot:
        assert bot.stdin is not None and bot.stdout is not None
        bot.stdin.write(f"/clip {slow} from 0:00 to 0:20\n/clip {fast} from 1:00 to 1:20\n")
        bot.stdin.flush()
        job = tmp_path / "archive" / ".jobs" / "clip-1-1"
        deadline = time.monotonic() + 30
        while not (list(job.glob("*.part")) or (job / "ffmpeg.progress").exists()):
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.05)
        os.killpg(bot.pid, signal.SIGKILL)  # the bot dies mid-download; its worker follows
        bot.wait(10)
    statuses = [row["status"] for row in clip_rows(tmp_path)]
    assert statuses == ["running", "queued"]

    session = run_console(config, [])
    assert session.returncode == 0, session.stderr
    rows = clip_rows(tmp_path)
    assert [row["status"] for row in rows] == ["done", "done"]
    assert abs(rows[0]["duration"] - 20) <= 1.0
    edits = session.edited_in("#general")
    assert any(e.startswith("Clip K1 — ") for e in edits)
    assert any(e.startswith("Clip K2 — ") for e in edits)
    assert len(list((tmp_path / "archive").glob("??/*"))) == 2
    assert not list((tmp_path / "archive" / ".jobs").glob("clip-*"))


def test_check_config_says_which_ffmpeg(tmp_path: Path) -> None:
    config = clip_config(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "archive: ffmpeg " in done.stdout


def test_failures_say_why_and_can_be_retried(tmp_path: Path, media: MediaServer) -> None:
    config = clip_config(tmp_path, max_filesize_mb=0.4, max_duration=60, max_queued_per_member=9)
    hls = media.url("/hls/index.m3u8")
    first = run_console(
        config,
        [
            f"/clip {media.url('/v.mp4')}",
            f"/clip {media.url('/missing.mp4')}",
            f"/clip T5 {hls}",
            "/alert Député X sur France 2",
            f"/clip A1 {hls} +10s",
            f"/clip {media.url('/slow/hls/index.m3u8')} from 0:00 to 0:40",
            f"/clip {hls} from 5:00",  # the video lasts 2 minutes
            f"/clip {hls}",  # whole, and over max_duration
        ],
    )
    assert first.returncode == 0, first.stderr
    sent = first.sent_to("#general")
    assert sent[2].startswith("La tâche T5 n'existe pas")
    edits = first.edited_in("#general")
    assert "Échec du clip K1 : le fichier dépasse la taille maximale. Relancer : clip retry K1" in (
        edits
    )
    assert any(e.startswith("Échec du clip K2 : le site est injoignable") for e in edits)
    assert any(e.startswith("Échec du clip K5 : la plage commence après la fin") for e in edits)
    assert any(e.startswith("Échec du clip K6 : la vidéo est trop longue ; donnez") for e in edits)
    rows = clip_rows(tmp_path)
    assert [(r["status"], r["fail_reason"]) for r in rows] == [
        ("failed", "too_big"),  # a direct file announcing its size
        ("failed", "network"),
        ("done", None),
        ("failed", "too_big"),  # a section cut by ffmpeg, stopped as it grew
        ("failed", "out_of_range"),
        ("failed", "too_long"),
    ]
    assert rows[2]["alert_id"] == 1 and abs(rows[2]["duration"] - 10) <= 1.0
    assert not list((tmp_path / "archive").glob("??/*.part"))

    again = run_console(config, ["/clip retry K2", "/clip retry K3"])
    assert again.returncode == 0, again.stderr
    sent = again.sent_to("#general")
    assert sent[0].startswith("Clip K2 : téléchargement…")
    assert sent[1] == "Le clip K3 n'a pas échoué : rien à relancer."
    assert again.edited_in("#general")[-1].startswith("Échec du clip K2 : le site est injoignable")
    assert clip_rows(tmp_path)[1]["attempts"] == 2


def test_a_failure_stored_and_logged_keeps_no_credentials(
    tmp_path: Path, media: MediaServer
) -> None:
    # The site redirects to an address with a password in it; yt-dlp's error quotes it.
    leaky = f"ftp://user:s3cr3tpw@127.0.0.1:{media.port}/v.mp4"
    url = media.url("/redirect?to=" + quote(leaky, safe=""))
    session = run_console(clip_config(tmp_path), [f"/clip {url}"])
    assert session.returncode == 0, session.stderr
    assert session.edited_in("#general")[-1].startswith("Échec du clip K1")
    (row,) = clip_rows(tmp_path)
    assert row["status"] == "failed" and "ftp://***@127.0.0.1" in row["fail_detail"]
    assert "s3cr3tpw" not in row["fail_detail"]
    failed = [line for line in session.stderr.splitlines() if "clip 1 failed" in line]
    assert failed and "s3cr3tpw" not in failed[0]


def test_clip_attached_to_an_alert_reaches_the_alerts_rooms_not_its_private_copies(
    tmp_path: Path, media: MediaServer
) -> None:
    config = write_config(
        tmp_path,
        archive={"dir": str(tmp_path / "archive"), "allow_private_urls": True},
        members={"open_join": True},
    )
    session = run_console(
        config,
        [
            "#paris alice: /link",
            "#general alice: /link",
            "#lyon alice: /link",
            "@carol: /join",
            "@carol: /subscribe",
            "#general alice: /alert Député X dit n'importe quoi sur France 2",
            f"#lyon alice: /clip A1 {media.url('/hls/index.m3u8')} from 0:05 +5s",
        ],
    )
    assert session.returncode == 0, session.stderr
    assert any(t.startswith("🚨 Alerte A1") for t in session.sent_to("@carol"))  # the alert...
    assert not any("K1" in line for line in session.sent_to("@carol"))  # ...not 1 DM per clip
    # The rooms that got the alert, and the room it was raised in, get the card once.
    for room in ("#paris", "#general"):
        assert sum(t.startswith("Clip K1 — ") for t in session.sent_to(room)) == 1
    # Where the clip was asked, its progress message became the card.
    assert session.edited_in("#lyon")[-1].startswith("Clip K1 — ")
    assert not any(t.startswith("Clip K1 — ") for t in session.sent_to("#lyon"))


def test_a_download_over_the_time_limit_is_killed_and_says_so(
    tmp_path: Path, media: MediaServer
) -> None:
    config = clip_config(tmp_path, job_timeout=1.0)
    session = run_console(config, [f"/clip {media.url('/slow/hls/index.m3u8')} 0:00-0:40"])
    assert session.returncode == 0, session.stderr
    assert session.edited_in("#general")[-1].startswith(
        "Échec du clip K1 : le téléchargement a pris trop de temps et a été arrêté."
    )
    (row,) = clip_rows(tmp_path)
    assert row["fail_reason"] == "timeout"
    assert not list((tmp_path / "archive" / ".jobs").glob("clip-*"))


def test_a_member_cannot_queue_more_clips_than_allowed(tmp_path: Path, media: MediaServer) -> None:
    config = clip_config(tmp_path, max_queued_per_member=1)
    url = media.url("/hls/index.m3u8")
    session = run_console(config, [f"/clip {url} +5s", f"/clip {url} 0:30-0:35"])
    assert session.returncode == 0, session.stderr
    sent = session.sent_to("#general")
    assert sent[1].startswith("Vous avez déjà 1 clip en attente")
    assert len(clip_rows(tmp_path)) == 1
