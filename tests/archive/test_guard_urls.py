"""What the downloaders are shown: every media reference leads back to the guard."""

from __future__ import annotations

import pytest

from bot.archive.guard_urls import Origins, manifest_kind, rewrite_dash, rewrite_hls
from bot.archive.url_policy import FetchRefused


def test_guard_names_keep_the_path_and_map_back_to_the_origin() -> None:
    origins = Origins()
    routed = origins.route("https://cdn.example.tv/live/a.m3u8?token=x%2Fy")
    assert routed == "http://o1.riposte.invalid/live/a.m3u8?token=x%2Fy"
    assert origins.real_url(routed) == "https://cdn.example.tv/live/a.m3u8?token=x%2Fy"
    assert origins.route("http://cdn.example.tv:8080/b") == "http://o2.riposte.invalid/b"
    assert origins.real_url("http://o2.riposte.invalid/b") == "http://cdn.example.tv:8080/b"
    assert origins.real_url("http://o9.riposte.invalid/") is None  # never handed out
    assert origins.real_url("http://cdn.example.tv/") is None


def test_hls_references_are_routed_and_other_schemes_refused() -> None:
    origins = Origins()
    playlist = (
        "#EXTM3U\n"
        '#EXT-X-KEY:METHOD=AES-128,URI="https://keys.example.tv/k1"\n'
        '#EXT-X-MAP:URI="init.mp4"\n'
        "#EXTINF:4,\nseg1.ts\n#EXTINF:4,\n/abs/seg2.ts\n#EXTINF:4,\nhttps://cdn2.example.tv/seg3.ts\n"
    )
    out = rewrite_hls(playlist, "https://cdn.example.tv/live/a.m3u8", origins)
    assert 'URI="http://o1.riposte.invalid/k1"' in out
    assert 'URI="init.mp4"' in out and "\nseg1.ts\n" in out and "\n/abs/seg2.ts\n" in out
    assert "\nhttp://o2.riposte.invalid/seg3.ts\n" in out
    for bad in (
        "httpproxy://10.0.0.5:3128/x:80/s.ts",
        "tcp://10.0.0.5:80/s.ts",
        "file:///etc/passwd",
    ):
        with pytest.raises(FetchRefused):
            rewrite_hls(f"#EXTM3U\n#EXTINF:4,\n{bad}\n", "https://cdn.example.tv/a.m3u8", origins)


def test_dash_absolute_references_are_routed_and_namespaces_left_alone() -> None:
    origins = Origins()
    manifest = (
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:xlink="http://www.w3.org/1999/xlink">'
        "<BaseURL>https://cdn.example.tv/v/</BaseURL>"
        '<SegmentTemplate media="https://cdn.example.tv/v/$Number$.m4s?a=1&amp;b=2"'
        ' initialization="init.mp4"/></MPD>'
    )
    out = rewrite_dash(manifest, "https://www.example.tv/m.mpd", origins)
    assert "<BaseURL>http://o1.riposte.invalid/v/</BaseURL>" in out
    assert 'media="http://o1.riposte.invalid/v/$Number$.m4s?a=1&amp;b=2"' in out
    assert 'initialization="init.mp4"' in out and 'xlink="http://www.w3.org/1999/xlink"' in out
    with pytest.raises(FetchRefused):
        rewrite_dash(
            "<MPD><BaseURL>httpproxy://10.0.0.5:3128/</BaseURL></MPD>", "https://a/m", origins
        )


def test_playlists_are_told_by_their_body() -> None:
    assert manifest_kind(b"\xef\xbb\xbf#EXTM3U\n") == "hls"
    assert manifest_kind(b'<?xml version="1.0"?>\n<MPD type="static">') == "dash"
    assert manifest_kind(b"\x47\x40\x00\x10" * 100) is None  # a TS segment
