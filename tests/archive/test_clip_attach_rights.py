"""A clip attaches to an alert only for those the alert belongs to; every card names its asker."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.clip_archive import clip_rows
from tests.fakes.config_files import write_config
from tests.fakes.console_session import run_console
from tests.fakes.media_server import MediaServer


def test_a_members_clip_on_someone_elses_alert_is_archived_unattached(
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
            "#lyon alice: /link",
            "#lyon bob: /join",
            "#paris alice: /alert Député X dit n'importe quoi sur France 2",
            f"#lyon bob: /clip A1 {media.url('/hls/index.m3u8')} from 0:05 +5s",
        ],
    )
    assert session.returncode == 0, session.stderr
    lyon = session.sent_to("#lyon")
    assert any(t.startswith("K1 est archivé sans être rattaché à A1") for t in lyon)
    card = session.edited_in("#lyon")[-1]
    assert card.startswith("Clip K1 — ")
    assert "Demandé par : bob" in session.stdout
    assert not any(t.startswith("Clip K1") for t in session.sent_to("#paris"))
    (row,) = clip_rows(tmp_path)
    assert row["status"] == "done" and row["alert_id"] is None


def test_a_clip_completes_only_the_clip_task_of_whoever_holds_it(
    tmp_path: Path, media: MediaServer
) -> None:
    config = write_config(
        tmp_path,
        archive={"dir": str(tmp_path / "archive"), "allow_private_urls": True},
        members={"open_join": True},
        alerts={"auto_tasks": ["clip"]},
    )
    url = media.url("/hls/index.m3u8")
    session = run_console(
        config,
        [
            "#paris alice: /link",
            "#paris bob: /join",
            "#paris nadia: /join",
            "#paris alice: /role @nadia coordinator",
            "#paris alice: /alert Député X dit n'importe quoi sur France 2",
            "#paris bob: /claim T1",
            # The holder's clip on the alert is the clip for their task.
            f"#paris bob: /clip A1 {url} from 0:05 +5s",
            "#paris alice: /alert Deux",
            "#paris bob: /claim T2",
            # A coordinator's clip goes to the alert; bob's task stays bob's.
            f"#paris nadia: /clip T2 {url} from 0:06 +5s",
        ],
    )
    assert session.returncode == 0, session.stderr
    paris = session.sent_to("#paris")
    assert "✅ bob a fait T1 (clip, A1) — K1." in paris
    assert (
        "K2 est rattaché à l'alerte ; T2 (clip, A2) reste à bob, qui la termine avec ce clip "
        "s'il lui convient : /done T2 K2." in paris
    )
    assert not any("T2 (clip, A2) — K2" in t for t in paris)
    assert [row["alert_id"] for row in clip_rows(tmp_path)] == [1, 2]
