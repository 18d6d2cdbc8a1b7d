"""A replay site on 127.0.0.1 for `clip T5 URL` (a short video: only the task matters)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.media_server import MediaServer, make_test_video


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    server = MediaServer(make_test_video(tmp_path_factory.mktemp("video"), duration=12)).start()
    yield server
    server.stop()
