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
    can_send_files: bool = False
    """Documents (a data export) can be sent to a user: a Telegram document, a Discord
    attachment, a path on the console. IRC cannot carry files."""
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
    lone_bot: bool = False
    """The only bot reading its chats (the console): every line gets an answer, a line that
    is not a command a hint, where a group chat shared with other bots stays quiet."""
    max_merged: int | None = None
    """Most queued messages merged into one for a paced chat (Discord: 10, as a message
    carries at most 10 embeds, one per merged card); None: as many as fit its length."""


@dataclass(frozen=True, slots=True)
class SentPart:
    """One part of a split message, delivered."""

    ref: SentRef
    """Where it landed, and its message id (none when there was nothing left to send)."""
    parts: int
    """How many parts the whole message has, as this transport splits it now."""


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
class PartSender(Protocol):
    """A transport that splits long messages into several platform messages.

    The delivery engine sends such a message one part at a time, so each part
    is paced under the platform's limits and recorded: a part that went out is
    never sent again, and a failed part is retried from itself. `send` and
    `edit` stay whole-message operations for any other caller.

    Parts are counted from 0 and recomputed at each call from the message (the
    split is deterministic); asked for a part past the end, the transport sends
    nothing and returns a ref without ids.
    """

    def measure(self, message: OutgoingMessage) -> int:
        """The message's length as rendered here, in the unit of `limits.max_text_length`
        (Telegram: UTF-16 code units), so merged messages stay within one part."""

    async def send_part(self, target: Target, message: OutgoingMessage, index: int) -> SentPart:
        """Send part `index` of `message` to `target`."""

    async def edit_part(self, ref: SentRef, message: OutgoingMessage, index: int) -> None:
        """Make part `index` of the message at `ref` (one part per id) show its share of
        `message`: the first parts its text, parts it no longer needs a placeholder."""


@runtime_checkable
class SendOnly(Protocol):
    """A transport that can deliver without owning the platform connection (Telegram's
    Bot API and Discord's REST API take sends from any process; IRC needs the one
    connection). Delivery workers start it this way, so the platform connection (polling,
    the gateway) stays with the one process that owns it."""

    async def start_sending(self) -> None: ...


@runtime_checkable
class MultiTargetSender(Protocol):
    """A transport that can send one message to several rooms at once (IRC's TARGMAX).

    The engine groups up to `max_targets` rows with the same one-part message to
    rooms of such a transport. `send_many` returns one ref per target, in order,
    and is all or nothing: it raises before sending anything when the message
    does not fit one send (the engine then sends the rows one by one, part by part).
    """

    @property
    def max_targets(self) -> int: ...

    async def send_many(
        self, targets: Sequence[Target], message: OutgoingMessage
    ) -> list[SentRef]: ...


@runtime_checkable
class ReportsLink(Protocol):
    """A transport that knows whether its connection to the platform is up right now
    (IRC registration, Discord's gateway); `/healthz` reads it. Others are judged by
    their deliveries alone."""

    @property
    def link_up(self) -> bool: ...
