"""The one seam between the core and a chat platform.

A transport turns platform updates into `IncomingMessage`s for the inbox, and
sends or edits `OutgoingMessage`s; it renders and splits text itself. Its
limits and abilities are declared as data so the core decides before it
enqueues, instead of discovering them by failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.domain.messages import IncomingMessage, OutgoingMessage, SentRef, Target


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    max_text_length: int
    global_rate: float | None = None
    """Messages per second across the platform; None: no pacing."""
    per_chat_rate: float | None = None
    """Messages per second into one chat."""
    per_group_per_minute: int | None = None
    can_edit: bool = True
    has_buttons: bool = False
    can_upload: bool = False
    dm_without_prompt: bool = False
    """True when the bot may write first to a user who never opened a private chat with it."""
    command_prefix: str = "/"
    notify_by_dm: bool = True
    """False where alerting subscribers by private message is unwelcome (Discord's policy)."""
    max_in_flight: int = 8
    """Sends awaiting the platform's answer at once; 1 keeps a strict global order."""
    dm_link_template: str | None = None
    """Where a user opens a private chat with the bot, when the platform has such a link:
    `{bot}` is the bot's username, `{payload}` what the bot is told on arrival."""


class DeliveryError(Exception):
    """Base of what a transport raises when a send or edit does not happen."""


class RateLimited(DeliveryError):
    def __init__(self, retry_after: float, whole_platform: bool = False) -> None:
        super().__init__(f"rate limited, retry after {retry_after:.1f}s")
        self.retry_after = retry_after
        self.whole_platform = whole_platform


class Undeliverable(DeliveryError):
    """This message cannot go to this platform (a file over its size limit); the chat is
    fine, so nothing is marked unreachable and nothing is retried."""


class TransientError(DeliveryError):
    """Timeouts, 5xx, a connection lost: try again later."""


class PermanentError(DeliveryError):
    """The chat is gone, the bot was kicked or blocked: retrying will not help."""


class TransportStartError(Exception):
    """A transport cannot start for a reason the operator must fix (a refused token).

    The message names the configuration key and is shown as is, without a traceback.
    """


class Inbox(Protocol):
    """What a transport hands its traffic to."""

    async def handle(self, message: IncomingMessage) -> None: ...

    async def chat_moved(self, platform: str, old_chat_id: str, new_chat_id: str) -> None: ...

    async def platform_back(self, platform: str) -> None:
        """The link to the platform is back: what waits out a retry delay may go now."""


@runtime_checkable
class Transport(Protocol):
    platform: str
    limits: PlatformLimits

    @property
    def bot_username(self) -> str | None: ...

    async def start(self, inbox: Inbox) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef: ...

    async def edit(self, ref: SentRef, message: OutgoingMessage) -> None: ...


@runtime_checkable
class MultiTargetSender(Protocol):
    """A transport that can send one message to several rooms at once (IRC's TARGMAX).

    The engine groups consecutive rows with the same message to rooms of such a
    transport. `send_many` returns one ref per target, in order; if it raises, the
    engine sends the rows one by one (a room may then get the message twice).
    """

    async def send_many(
        self, targets: Sequence[Target], message: OutgoingMessage
    ) -> list[SentRef]: ...
