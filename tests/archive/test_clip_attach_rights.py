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
