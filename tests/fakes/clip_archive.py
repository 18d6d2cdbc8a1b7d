"""Helpers for clip tests: a config that may fetch from 127.0.0.1, and the clips table."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.fakes.config_files import write_config


def clip_config(directory: Path, **archive: Any) -> Path:
    """A console config whose archive may fetch from 127.0.0.1 unless told otherwise."""
    values: dict[str, Any] = {
        "dir": str(directory / "archive"),
        "allow_private_urls": True,
        "concurrency": 2,
    }
    values.update(archive)
    return write_config(directory, archive=values)


def clip_rows(directory: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(directory / "riposte.db")
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute("SELECT * FROM clips ORDER BY id"))
    finally:
        conn.close()


def outbox_rows(directory: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(directory / "riposte.db")
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute("SELECT * FROM outbox ORDER BY id"))
    finally:
        conn.close()
