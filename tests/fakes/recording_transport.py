"""An in-memory transport for core tests: records sends and edits, fails on demand.

It stands in for a platform only in tests of the core (dispatcher, delivery);
transport tests use the real client libraries against fake servers instead.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field

from bot.domain import IncomingMessage, OutgoingMessage, SentRef, Target
from bot.transports.base import DeliveryError, Inbox, PlatformLimits

LIMITS = PlatformLimits(max_text_length=4000, can_edit=True, dm_without_prompt=True)


@dataclass
class Recorded:
    target: Target
    message: OutgoingMessage
    ref: SentRef


@dataclass
class RecordingTransport:
    platform: str = "fake"
    limits: PlatformLimits = LIMITS
    sent: list[Recorded] = field(default_factory=list)
    edits: list[tuple[SentRef, OutgoingMessage]] = field(default_factory=list)
    failures: deque[DeliveryError] = field(default_factory=deque)
    failures_for: dict[str, deque[DeliveryError]] = field(default_factory=dict)
    inbox: Inbox | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def bot_username(self) -> str | None:
        return "RiposteBot"

    async def start(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def stop(self) -> None:
        self.inbox = None

    def fail_next(self, *errors: DeliveryError, address: str | None = None) -> None:
        """The next sends (to `address` only, if given) raise these errors, in order."""
        if address is None:
            self.failures.extend(errors)
        else:
            self.failures_for.setdefault(address, deque()).extend(errors)

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        queued = self.failures_for.get(target.address)
        if queued:
            raise queued.popleft()
        if self.failures:
            raise self.failures.popleft()
        ref = SentRef(self.platform, target.address, (str(next(self._ids)),))
        self.sent.append(Recorded(target, message, ref))
        return ref

    async def edit(self, ref: SentRef, message: OutgoingMessage) -> None:
        if self.failures:
            raise self.failures.popleft()
        self.edits.append((ref, message))

    def texts_to(self, address: str) -> list[str]:
        return [r.message.text for r in self.sent if r.target.address == address]

    async def say(self, chat: str, user: str, text: str, *, private: bool = False) -> None:
        assert self.inbox is not None
        await self.inbox.handle(
            IncomingMessage(
                platform=self.platform, chat_id=user if private else chat, user_id=user,
                display_name=user, text=text, is_private=private, username=user,
                chat_title=None if private else chat,
            )
        )
