"""`[web]` in the configuration, and a start that cannot listen."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.fakes.config_files import write_config
from tests.fakes.console_session import run_console


def test_web_keys_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[web]\nenabled = true\nlisten = "8080"\npublic_url = "ftp://x/?a=1"\n'
        "session_hours = 0\nlink_days = -1\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    text = str(error.value)
    for key in ("web.listen", "web.public_url", "web.session_hours", "web.link_days"):
        assert key in text
    path.write_text('[web]\npublic_url = "https://r.example.org/"\n', encoding="utf-8")
    web = load_settings(path, environ={}).web
    assert not web.enabled and web.base_url == "https://r.example.org" and web.secure


def test_an_address_already_taken_stops_the_start_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_config(tmp_path, web={"enabled": True, "listen": f"127.0.0.1:{port}"})
        session = run_console(config, ["#paris alice: /help"], timeout=30)
    assert session.returncode == 2
    assert f"web.listen: cannot listen on 127.0.0.1:{port}" in session.stderr
    assert "Traceback" not in session.stderr
