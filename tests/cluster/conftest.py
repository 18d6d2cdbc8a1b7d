"""Several riposte processes on one PostgreSQL store (these tests need the server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.archive.conftest import certificate_authority, media, test_video
from tests.fakes.config_files import write_config
from tests.fakes.engines import drop_database, fresh_database

__all__ = ["certificate_authority", "media", "test_video"]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, migrated PostgreSQL database (skipped, saying why, where there is no server)."""
    url = fresh_database()
    try:
        yield url
    finally:
        drop_database(url)


def cluster_config(directory: Path, url: str, **sections: dict[str, Any]) -> Path:
    """A config on the shared store, console off (processes are services here)."""
    base: dict[str, dict[str, Any]] = {
        "storage": {"database": url},
        "console": {"enabled": False},
        "delivery": {"lease": 3},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    return write_config(directory, **base)
