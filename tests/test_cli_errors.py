"""The `riposte` commands answer bad input with one line and a non-zero exit, never a
traceback: a typo in a path must not create a database nor print Python internals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fakes.config_files import write_config


def _riposte(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60
    )


def test_bad_paths_and_stores_get_one_line_and_an_exit_code(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\xff" * 200)
    cases = {
        ("status", "--database", str(junk)): "file is not a database",
        ("backup", str(tmp_path / "no" / "dir.db")): "no such directory",
        ("copy-db", str(tmp_path / "typo.db"), str(tmp_path / "new.db")): "no such database",
        ("copy-db", str(junk), str(junk)): "the source and the target are the same store",
    }
    for args, expected in cases.items():
        done = _riposte(*args, "--config", config)
        assert done.returncode != 0, args
        assert "Traceback" not in done.stderr, done.stderr
        [line] = [x for x in done.stderr.splitlines() if x.startswith("riposte ")]
        assert expected in line, done.stderr
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "no").exists()
