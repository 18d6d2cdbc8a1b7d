from __future__ import annotations

import pytest

from bot.archive.url_policy import (
    AddressPolicy,
    FetchRefused,
    UrlRefused,
    check_url,
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
        ("http://example.org:25/v.mp4", "url.port"),
        ("https://example.org:6667/", "url.port"),
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


def test_the_guard_policy_checks_every_answer_and_trusts_names_or_networks() -> None:
    policy = AddressPolicy.from_settings(False, ["replay.lan", "192.168.1.0/24", "10.0.0.7"])
    assert policy.pick("tv.example.org", 443, ["151.101.1.1"]) == "151.101.1.1"
    assert policy.pick("replay.lan", 80, ["10.9.9.9"]) == "10.9.9.9"  # trusted by name
    assert policy.pick("nas.example.org", 80, ["192.168.1.20"]) == "192.168.1.20"  # by network
    assert policy.pick("box.example.org", 80, ["10.0.0.7"]) == "10.0.0.7"
    for addresses in (["127.0.0.1"], ["151.101.1.1", "10.0.0.8"], ["169.254.169.254"], []):
        with pytest.raises(FetchRefused):
            policy.pick("tv.example.org", 443, addresses)
    with pytest.raises(FetchRefused):
        policy.pick("tv.example.org", 25, ["151.101.1.1"])  # SMTP, even on a public host
    assert AddressPolicy(allow_private=True).pick("x", 8080, ["127.0.0.1"]) == "127.0.0.1"


def test_worker_process_does_not_inherit_the_bots_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.archive.runner import worker_environment

    monkeypatch.setenv("TELEGRAM_TOKEN", "123:secret")
    monkeypatch.setenv("NO_PROXY", "10.0.0.1")  # would let a host around the fetch guard
    env = worker_environment()
    assert "TELEGRAM_TOKEN" not in env
    assert "NO_PROXY" not in env and "PATH" in env
