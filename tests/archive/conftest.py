from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.fakes.media_server import MediaServer, TestVideo, make_test_video


@pytest.fixture(scope="session")
def test_video(tmp_path_factory: pytest.TempPathFactory) -> TestVideo:
    return make_test_video(tmp_path_factory.mktemp("video"))


@pytest.fixture(scope="session")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(certificate_authority: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test CA's certificate, for `SSL_CERT_FILE`: what trusting a LAN's private CA is."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="session")
def media(test_video: TestVideo, certificate_authority: trustme.CA) -> Iterator[MediaServer]:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(tls)
    server = MediaServer(test_video, tls=tls).start()
    yield server
    server.stop()
