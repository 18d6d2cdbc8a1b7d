"""Mastodon through Mastodon.py: the instance's limits, a video upload, a status."""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from mastodon import Mastodon
from mastodon.errors import MastodonAPIError, MastodonError, MastodonNetworkError

from bot.config import MastodonSettings
from bot.domain.content import Network
from bot.social.base import Post, Posted, ServerLimits, SocialError
from bot.social.threads import in_thread

log = logging.getLogger(__name__)

MEDIA_POLL_SECONDS = 1.0


def network_failure(error: BaseException) -> SocialError:
    """A request that got no answer: certain when it never connected, uncertain otherwise."""
    cause = error.__context__ or error.__cause__ or error
    never_sent = isinstance(cause, requests.ConnectTimeout) or (
        isinstance(cause, requests.ConnectionError)
        and "Failed to establish a new connection" in str(cause)
    )
    if never_sent:
        return SocialError("the server could not be reached")
    return SocialError("no answer from the server in time", uncertain=True)


def _api_reason(error: MastodonAPIError) -> str:
    args = list(error.args)
    status = args[1] if len(args) > 1 else "?"
    detail = args[3] if len(args) > 3 else (args[0] if args else "")
    return f"HTTP {status}: {detail}"[:300]


class MastodonPoster:
    network = Network.MASTODON

    def __init__(self, settings: MastodonSettings, timeout: float) -> None:
        assert settings.access_token is not None
        self._settings = settings
        self._timeout = timeout
        self._api = Mastodon(
            access_token=settings.access_token.value,
            api_base_url=settings.base_url.rstrip("/"),
            request_timeout=timeout,
            ratelimit_method="throw",
            version_check_mode="none",
            user_agent="riposte",
        )

    async def server_limits(self) -> ServerLimits:
        try:
            info: Any = await in_thread(self._api.instance_v1)
        except MastodonError as error:
            raise SocialError(f"instance information unavailable: {error}"[:300]) from None
        config = info.get("configuration") or {}
        statuses = config.get("statuses") or {}
        media = config.get("media_attachments") or {}
        chars = statuses.get("max_characters") or info.get("max_toot_chars")
        video = media.get("video_size_limit")
        return ServerLimits(
            max_chars=int(chars) if isinstance(chars, int) and chars > 0 else None,
            max_video=int(video) if isinstance(video, int) and video > 0 else None,
        )

    async def post(self, post: Post) -> Posted:
        return await in_thread(self._post, post, name="riposte-mastodon")

    def _post(self, post: Post) -> Posted:
        try:
            media_ids: list[Any] = []
            if post.video is not None:
                media_ids.append(self._upload(post.video))
            status = self._api.status_post(
                post.text,
                media_ids=media_ids or None,
                visibility=self._settings.visibility,
                language=post.lang,
                idempotency_key=post.key or None,
            )
        except MastodonNetworkError as error:
            raise network_failure(error) from None
        except MastodonAPIError as error:
            raise SocialError(_api_reason(error)) from None
        except MastodonError as error:
            raise SocialError(f"{type(error).__name__}: {error}"[:300]) from None
        url = status.get("url") or status.get("uri")
        if not url:
            raise SocialError("the server answered without the post's address", uncertain=True)
        return Posted(str(url))

    def _upload(self, path: str) -> Any:
        media = self._api.media_post(path, mime_type="video/mp4")
        deadline = time.monotonic() + self._timeout
        # A video is processed after the upload (202, no URL yet); a status naming it before
        # that is refused, so wait for it, within the same bound as any call.
        while not media.get("url"):
            if time.monotonic() > deadline:
                raise SocialError("the instance did not finish processing the video in time")
            time.sleep(MEDIA_POLL_SECONDS)
            media = self._api.media(media)
        return media

    async def close(self) -> None:
        self._api.session.close()
