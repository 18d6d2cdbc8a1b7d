"""The one seam between the push engine and a social network."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.content import Network


@dataclass(frozen=True, slots=True)
class Post:
    text: str
    """Checked against the network's limit before it got here; posted as is."""
    video: str | None = None
    """A clip to attach (an mp4 in the archive), already known to fit the network's limit."""
    key: str = ""
    """Unique per post: sent as an idempotency key where the network takes one (Mastodon)."""
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    url: str
    """Where people see the post."""


@dataclass(frozen=True, slots=True)
class ServerLimits:
    max_chars: int | None = None
    max_video: int | None = None
    """Bytes."""


class SocialError(Exception):
    """A post that did not (certainly) happen, with a reason people can read.

    `uncertain`: the request may have reached the server (no answer in time): the post
    may exist, so it is reported as unknown rather than failed, and never retried.
    """

    def __init__(self, reason: str, *, uncertain: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.uncertain = uncertain


class Poster(Protocol):
    network: Network

    async def post(self, post: Post) -> Posted: ...

    async def server_limits(self) -> ServerLimits: ...

    async def close(self) -> None: ...
