"""Every byte the archive fetches passes the address policy, whoever fetches it.

The media server on 127.0.0.1 is trusted (as a LAN replay server would be);
the canary on 127.0.0.2 is not, and records every connection it gets: each
trap must end in a refusal with the canary untouched.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest

from bot.archive.fetch_guard import GuardProxy, confine_resolution, system_resolve
from bot.archive.ffmpeg import find_ffmpeg, location_folder
from bot.archive.url_policy import AddressPolicy
from bot.archive.worker import FFMPEG_PROTOCOLS, Events, JobFailed, JobSpec, run
from bot.domain.clips import FailReason
from tests.fakes.clip_archive import clip_config, clip_rows
from tests.fakes.console_session import run_console
from tests.fakes.media_server import CANARY_HOST, MediaServer

TRUSTED = ("127.0.0.1",)


def test_traps_served_to_ffmpeg_end_in_a_refusal_and_never_reach_the_canary(
    tmp_path: Path, media: MediaServer
) -> None:
    config = clip_config(tmp_path, allow_private_urls=False, trusted_hosts=list(TRUSTED))
    hits_before = len(media.canary_hits)
    session = run_console(
        config,
        [
            f"/clip {media.url('/trap/segment.m3u8')} 0:00-0:20",  # a segment on loopback
            f"/clip {media.url('/trap/key.m3u8')} 0:00-0:20",  # the AES key on loopback
            f"/clip {media.url('/flip/first.mp4')} 0:05-0:15",  # a 302 for ffmpeg only
            f"/clip {media.url('/trap/proxy.m3u8')} 0:00-0:20",  # ffmpeg's httpproxy client
        ],
    )
    assert session.returncode == 0, session.stderr
    rows = clip_rows(tmp_path)
    assert [(r["status"], r["fail_reason"]) for r in rows] == [("failed", "private")] * 4
    assert all("127.0.0.2" in r["fail_detail"] for r in rows)
    edits = session.edited_in("#general")
    for clip_id in ("K1", "K2", "K3", "K4"):
        refusal = f"Échec du clip {clip_id} : le lien mène à une adresse privée ou locale."
        assert refusal in " ".join(edits)
    # The flipping URL was fetched once, by yt-dlp, and served the video: the 302 was
    # served only to the request ffmpeg made next.
    assert media.requests.count("/flip/first.mp4") == 2
    assert media.canary_hits[hits_before:] == []
    assert not list((tmp_path / "archive").glob("??/*"))


def _spec(tmp_path: Path, url: str, start: float, end: float | None) -> JobSpec:
    ffmpeg = find_ffmpeg()
    folder = tmp_path / "job"
    folder.mkdir(parents=True)
    return JobSpec(
        clip_id=1,
        url=url,
        start=start,
        end=end,
        archive_dir=str(tmp_path / "archive"),
        folder=str(folder),
        ffmpeg=str(ffmpeg.executable),
        ffmpeg_location=str(location_folder(ffmpeg, tmp_path)),
        trusted_hosts=TRUSTED,
    )


def test_a_name_that_rebinds_to_a_refused_address_is_refused_at_the_second_answer(
    tmp_path: Path, media: MediaServer
) -> None:
    answers: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        """The attacker's DNS: the trusted address first, the canary's for every later ask."""
        if host != "replay.test":
            return system_resolve(host, port)
        answers.append("127.0.0.1" if not answers else CANARY_HOST)
        return [answers[-1]]

    url = f"http://replay.test:{media.port}/v.mp4"
    served_before = media.requests.count("/v.mp4")
    hits_before = len(media.canary_hits)
    with pytest.raises(JobFailed) as failed:
        run(_spec(tmp_path, url, 5.0, 15.0), Events(io.StringIO()), resolve=rebinding)
    assert failed.value.reason is FailReason.PRIVATE
    assert "replay.test" in failed.value.detail
    assert answers[0] == "127.0.0.1" and CANARY_HOST in answers  # asked again, per connection
    assert media.requests.count("/v.mp4") == served_before + 1  # the first answer was used
    assert media.canary_hits[hits_before:] == []
    assert not (tmp_path / "archive").exists()
    assert "http_proxy" not in os.environ  # the worker's proxy settings did not leak out


def test_https_media_is_fetched_by_the_guard_with_its_certificate_checked(
    tmp_path: Path, media: MediaServer, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segments on an https CDN: ffmpeg asks the guard in plain http, the guard does TLS."""
    url = media.url("/mixed/index.m3u8")
    with pytest.raises(JobFailed) as untrusted:  # the test CA is not trusted yet: no clip
        run(_spec(tmp_path / "untrusted", url, 0.0, 10.0), Events(io.StringIO()))
    assert untrusted.value.reason is not FailReason.PRIVATE, untrusted.value.detail
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    events = io.StringIO()
    run(_spec(tmp_path, url, 0.0, 10.0), Events(events))
    done = json.loads(events.getvalue().splitlines()[-1])
    assert done["event"] == "done" and abs(done["duration"] - 10) <= 1.0


def test_ffmpeg_cannot_reach_anything_but_the_guard_even_for_https(
    tmp_path: Path, media: MediaServer
) -> None:
    """With the worker's protocol list, ffmpeg has no TLS and no proxy client of its own."""
    ffmpeg = find_ffmpeg().executable
    hits_before = len(media.canary_hits)
    with GuardProxy(AddressPolicy.from_settings(False, TRUSTED)) as guard:
        for url in (
            f"https://{CANARY_HOST}:{media.port}/v.mp4",
            f"httpproxy://{CANARY_HOST}:{media.port}/example.org:80",
            f"http://{CANARY_HOST}:{media.port}/v.mp4",
        ):
            done = subprocess.run(
                [str(ffmpeg), "-hide_banner", "-nostdin", "-protocol_whitelist",
                 FFMPEG_PROTOCOLS, "-i", url, "-f", "null", "-"],
                env={"PATH": os.environ.get("PATH", ""), "http_proxy": guard.url},
                capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
            assert done.returncode != 0, url
    assert guard.refusals == [f"{CANARY_HOST} resolves to a non-public address"]  # the http one
    assert media.canary_hits[hits_before:] == []


def test_nothing_in_the_worker_resolves_a_name_but_the_guard(media: MediaServer) -> None:
    with GuardProxy(AddressPolicy(allow_private=True)) as guard:
        refused: list[str] = []
        with confine_resolution(guard.port, refused.append):
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", media.port), timeout=5)
            proxied = urllib.request.build_opener(
                urllib.request.ProxyHandler({"http": guard.url})
            ).open(media.url("/hls/index.m3u8"), timeout=10)
            assert proxied.read(7) == b"#EXTM3U"
        assert refused == ["127.0.0.1: a direct connection, outside the fetch guard"]
    socket.create_connection(("127.0.0.1", media.port), timeout=5).close()  # restored


def test_the_guard_pins_each_connection_to_the_address_it_checked(media: MediaServer) -> None:
    """Many connections at once, each resolved, checked and answered on its own."""
    calls: list[str] = []
    lock = threading.Lock()

    def counting(host: str, port: int) -> list[str]:
        with lock:
            calls.append(host)
        return ["127.0.0.1"]

    policy = AddressPolicy.from_settings(False, TRUSTED)
    with GuardProxy(policy, resolve=counting) as guard:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": guard.url}))
        url = f"http://replay.test:{media.port}/hls/index.m3u8"
        bodies = [opener.open(url, timeout=10).read() for _ in range(5)]
    assert all(body.startswith(b"#EXTM3U") for body in bodies)
    assert calls == ["replay.test"] * 5 and guard.connections == 5
