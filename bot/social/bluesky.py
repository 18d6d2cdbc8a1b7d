"""Bluesky through the atproto SDK (asynchronous): a session, a video blob, a post record.

Links are shown short in the text and carried whole by link facets (UTF-8 byte
offsets), which is how Bluesky's own apps write them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
from atproto import AsyncClient, models
from atproto_client.client.session import Session, SessionEvent
from atproto_client.exceptions import (
    AtProtocolError,
    InvokeTimeoutError,
    NetworkError,
    RequestErrorBase,
)
from atproto_client.request import AsyncRequest

from bot.config import BlueskySettings
from bot.domain.content import Network, bluesky_post
from bot.social.base import Post, Posted, ServerLimits, SocialError
from bot.social.threads import in_thread

log = logging.getLogger(__name__)


def _reason(error: RequestErrorBase) -> str:
    response = error.response
    if response is None:
        return type(error).__name__
    content = response.content
    detail = ""
    if isinstance(content, models.common.XrpcError):
        detail = f"{content.error}: {content.message or ''}".strip()
    return f"HTTP {response.status_code} {detail}".strip()[:300]


class BlueskyPoster:
    network = Network.BLUESKY

    def __init__(self, settings: BlueskySettings, timeout: float) -> None:
        assert settings.app_password is not None
        self._settings = settings
        self._timeout = timeout

    async def server_limits(self) -> ServerLimits:
        return ServerLimits(max_video=self._settings.max_video_mb * 1_000_000)

    async def post(self, post: Post) -> Posted:
        request = AsyncRequest(timeout=httpx.Timeout(self._timeout))
        client = AsyncClient(f"{self._settings.base_url.rstrip('/')}/xrpc", request=request)
        sessions: list[Session] = []

        async def keep(event: SessionEvent, session: Session) -> None:
            sessions.append(session)

        client.on_session_change(keep)
        try:
            return await self._post(client, sessions, post)
        except InvokeTimeoutError:
            raise SocialError("no answer from the server in time", uncertain=True) from None
        except NetworkError as error:
            raise SocialError(f"the server could not be reached ({_reason(error)})") from None
        except RequestErrorBase as error:
            raise SocialError(_reason(error)) from None
        except AtProtocolError as error:
            raise SocialError(f"{type(error).__name__}: {error}"[:300]) from None
        finally:
            await request.close()

    async def _post(self, client: AsyncClient, sessions: list[Session], post: Post) -> Posted:
        assert self._settings.app_password is not None
        await client.login(
            self._settings.handle, self._settings.app_password.value, fetch_bsky_profile=False
        )
        if not sessions:
            raise SocialError("the server opened no session")
        did, handle = sessions[-1].did, sessions[-1].handle
        text, links = bluesky_post(post.text)
        facets = [
            models.AppBskyRichtextFacet.Main(
                index=models.AppBskyRichtextFacet.ByteSlice(
                    byte_start=link.byte_start, byte_end=link.byte_end
                ),
                features=[models.AppBskyRichtextFacet.Link(uri=link.uri)],
            )
            for link in links
        ]
        embed = None
        if post.video is not None:
            data = await in_thread(Path(post.video).read_bytes, name="riposte-read-clip")
            blob = await client.upload_blob(data)
            embed = models.AppBskyEmbedVideo.Main(video=blob.blob, alt="")
        created = await client.send_post(
            text,
            profile_identify=did,
            embed=embed,
            facets=facets or None,
            langs=[post.lang] if post.lang else None,
        )
        rkey = created.uri.rsplit("/", 1)[-1]
        return Posted(f"https://bsky.app/profile/{handle or did}/post/{rkey}")

    async def close(self) -> None:
        return None
