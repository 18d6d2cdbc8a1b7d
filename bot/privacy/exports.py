"""Export files: written for `export`, readable by the bot's user only, deleted after a day.

The file is written before the command commits the outbox row that sends it;
a crash in between leaves a file nobody was promised, which the next purge
removes. A member who is forgotten loses their files at once.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

KEEP_SECONDS = 86_400.0
"""An export file is kept a day: long enough for a platform down for hours to recover."""
_PREFIX = "riposte-export-"


def export_name(member_short_id: str, now: float) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    return f"{_PREFIX}{member_short_id}-{stamp}-{secrets.token_hex(3)}.json"


def write_export(directory: Path, member_short_id: str, data: Any, now: float) -> Path:
    """Write the export as UTF-8 JSON, mode 0600, in a directory only the bot can read."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / export_name(member_short_id, now)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body)
    return path


def remove_exports(directory: Path, member_short_id: str) -> int:
    """Delete every export file of one member (they asked to be forgotten)."""
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.glob(f"{_PREFIX}{member_short_id}-*.json"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def purge_exports(directory: Path, now: float, keep: float = KEEP_SECONDS) -> int:
    """Delete export files older than `keep` seconds."""
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.glob(f"{_PREFIX}*.json"):
        try:
            if path.stat().st_mtime < now - keep:
                path.unlink(missing_ok=True)
                removed += 1
        except OSError:
            continue
    return removed
