from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.media_server import MediaServer, TestVideo, make_test_video


@pytest.fixture(scope="session")
def test_video(tmp_path_factory: pytest.TempPathFactory) -> TestVideo:
    return make_test_video(tmp_path_factory.mktemp("video"))


@pytest.fixture(scope="session")
def media(test_video: TestVideo) -> Iterator[MediaServer]:
    server = MediaServer(test_video).start()
    yield server
    server.stop()
