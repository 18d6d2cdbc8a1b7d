from __future__ import annotations

import socket

import pytest

from bot.archive.url_policy import (
    ForbiddenAddress,
    UrlRefused,
    check_url,
    guard_resolution,
    is_forbidden_address,
)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("file:///etc/passwd", "url.scheme"),
        ("ftp://example.org/video.mp4", "url.scheme"),
        ("javascript:alert(1)", "url.scheme"),
        ("http://127.0.0.1/video.mp4", "url.private"),
        ("http://10.0.0.1/video.mp4", "url.private"),
        ("http://[::1]/video.mp4", "url.private"),
        ("http://169.254.169.254/latest/meta-data", "url.private"),
        ("http://localhost:8080/", "url.private"),
        ("http://2130706433/", "url.private"),
        ("http://[::ffff:192.168.1.1]/", "url.private"),
        ("http://user:pw@example.org/", "url.credentials"),
        ("http:///nohost", "url.malformed"),
    ],
)
def test_non_http_and_private_urls_are_refused(url: str, key: str) -> None:
    with pytest.raises(UrlRefused) as caught:
        check_url(url, allow_private=False)
    assert caught.value.key == key


def test_public_urls_pass_and_private_ones_only_when_allowed() -> None:
    assert check_url(" https://www.france.tv/replay ", allow_private=False) == (
        "https://www.france.tv/replay"
    )
    assert check_url("http://127.0.0.1:8080/v.mp4", allow_private=True)
    trusted = ["127.0.0.1"]
    assert check_url("http://127.0.0.1:8080/", allow_private=False, trusted_hosts=trusted)
    with pytest.raises(UrlRefused):
        check_url("file:///etc/passwd", allow_private=True)


def test_address_classes() -> None:
    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.0.1", "::1", "fe80::1",
                    "224.0.0.1", "0.0.0.0", "100.64.0.1", "240.0.0.1"):  # fmt: skip
        assert is_forbidden_address(address), address
    for address in ("8.8.8.8", "2001:4860:4860::8888", "151.101.1.1"):
        assert not is_forbidden_address(address), address


def test_worker_resolution_guard_refuses_names_that_resolve_to_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refused: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)  # restored after the test
    guard_resolution(allow_private=False, trusted_hosts=["127.0.0.1"], on_refuse=refused.append)
    with pytest.raises(ForbiddenAddress):
        socket.getaddrinfo("localhost", 80)
    assert refused and "localhost" in refused[0]
    assert socket.getaddrinfo("127.0.0.1", 80)  # trusted by name


def test_worker_process_does_not_inherit_the_bots_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.archive.runner import worker_environment

    monkeypatch.setenv("TELEGRAM_TOKEN", "123:secret")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    env = worker_environment()
    assert "TELEGRAM_TOKEN" not in env
    assert env["HTTPS_PROXY"] == "http://proxy.example:3128"
