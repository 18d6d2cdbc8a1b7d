"""X through tweepy: API v2 `create_tweet`, media through the v2 media upload endpoints.

tweepy's `Client` sends every request to the host written in its code
(`https://api.twitter.com`). Its requests go through `self.session`, so the
session here sends them to the configured `[x] base_url` instead (another
host, a test server), and gives each a timeout, which tweepy does not. The
URL is changed before OAuth 1.0a signs the request, so the signature matches
the host that receives it; tweepy's own request code and error mapping run
unchanged. tweepy's asynchronous client builds and signs its URLs itself,
with no such seam, hence the threaded synchronous client.

The v2 upload is three calls (initialize, append, finalize) plus status polls
while X processes a video; tweepy has no method for them, so they go through
`Client.request`, with the same signing and error handling as `create_tweet`.
"""

from __future__ import annotations

import base64
import logging
import time
from pathlib import Path
from typing import Any

import requests
import tweepy

from bot.config import XSettings
from bot.domain.content import Network
from bot.social.base import Post, Posted, ServerLimits, SocialError
from bot.social.mastodon import network_failure
from bot.social.threads import in_thread

log = logging.getLogger(__name__)

TWEEPY_HOST = "https://api.twitter.com"
CHUNK_BYTES = 2 * 1024 * 1024
"""Raw bytes per append (sent base64 in JSON: about 2.7 MB per request)."""
MAX_STATUS_POLLS = 60


class RoutedSession(requests.Session):
    """tweepy's session, pointed at another API host, with a timeout on every request."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if url.startswith(TWEEPY_HOST):
            url = self.base_url + url[len(TWEEPY_HOST) :]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def _http_reason(error: tweepy.HTTPException) -> str:
    status = getattr(error.response, "status_code", "?")
    messages = "; ".join(str(m) for m in error.api_messages) or "no detail"
    return f"HTTP {status}: {messages}"[:300]


class XPoster:
    network = Network.X

    def __init__(self, settings: XSettings, timeout: float) -> None:
        secrets = (
            settings.consumer_key,
            settings.consumer_secret,
            settings.access_token,
            settings.access_token_secret,
        )
        assert all(s is not None for s in secrets)
        self._timeout = timeout
        self._client = tweepy.Client(
            consumer_key=secrets[0].value if secrets[0] else None,
            consumer_secret=secrets[1].value if secrets[1] else None,
            access_token=secrets[2].value if secrets[2] else None,
            access_token_secret=secrets[3].value if secrets[3] else None,
        )
        self._client.session = RoutedSession(settings.base_url, timeout)
        self._max_video = settings.max_video_mb * 1_000_000

    async def server_limits(self) -> ServerLimits:
        return ServerLimits(max_video=self._max_video)

    async def post(self, post: Post) -> Posted:
        return await in_thread(self._post, post, name="riposte-x")

    def _post(self, post: Post) -> Posted:
        try:
            media_ids = [self._upload(Path(post.video))] if post.video is not None else None
            response = self._client.create_tweet(
                text=post.text, media_ids=media_ids, user_auth=True
            )
        except tweepy.HTTPException as error:
            raise SocialError(_http_reason(error)) from None
        except requests.RequestException as error:
            raise network_failure(error) from None
        except tweepy.TweepyException as error:
            raise SocialError(f"{type(error).__name__}: {error}"[:300]) from None
        data = getattr(response, "data", None) or {}
        tweet_id = data.get("id") if isinstance(data, dict) else None
        if not tweet_id:
            raise SocialError("X answered without the post's id", uncertain=True)
        return Posted(f"https://x.com/i/web/status/{tweet_id}")

    def _call(self, method: str, route: str, **kwargs: Any) -> dict[str, Any]:
        response = self._client.request(method, route, user_auth=True, **kwargs)
        if not response.content:
            return {}
        body = response.json()
        return body if isinstance(body, dict) else {}

    def _upload(self, path: Path) -> str:
        size = path.stat().st_size
        started = self._call(
            "POST",
            "/2/media/upload/initialize",
            json={"media_type": "video/mp4", "total_bytes": size, "media_category": "tweet_video"},
        )
        media_id = str((started.get("data") or {}).get("id") or "")
        if not media_id:
            raise SocialError("X did not start the video upload")
        with path.open("rb") as handle:
            index = 0
            while chunk := handle.read(CHUNK_BYTES):
                self._call(
                    "POST",
                    f"/2/media/upload/{media_id}/append",
                    json={"media": base64.b64encode(chunk).decode("ascii"), "segment_index": index},
                )
                index += 1
        finished = self._call("POST", f"/2/media/upload/{media_id}/finalize")
        info = (finished.get("data") or {}).get("processing_info")
        deadline = time.monotonic() + self._timeout
        for _ in range(MAX_STATUS_POLLS):
            if not info or info.get("state") == "succeeded":
                return media_id
            if info.get("state") == "failed":
                raise SocialError("X could not process the video")
            if time.monotonic() > deadline:
                raise SocialError("X did not finish processing the video in time")
            time.sleep(min(float(info.get("check_after_secs", 1)), 5.0))
            status = self._call(
                "GET", "/2/media/upload", params={"command": "STATUS", "media_id": media_id}
            )
            info = (status.get("data") or {}).get("processing_info")
        raise SocialError("X did not finish processing the video in time")

    async def close(self) -> None:
        self._client.session.close()
