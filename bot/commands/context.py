"""What a handler gets: who, where, in which language, and a way to answer.

Replies are not sent from here: they are outbox rows in the handler's own
transaction, so an answer exists exactly when what it announces does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.commands.errors import UserError
from bot.commands.registry import Registry
from bot.config import NetworkSettings, Settings
from bot.domain.members import Member
from bot.domain.messages import Button, IncomingMessage, OutgoingMessage, Span, Target, TargetKind
from bot.domain.roles import Role, has_role
from bot.domain.rooms import Room
from bot.domain.tags import TagAliases
from bot.i18n import spans, text
from bot.store.outbox import Priority
from bot.store.transaction import Tx
from bot.transports.base import PlatformLimits


@dataclass
class Context:
    message: IncomingMessage
    member: Member
    room: Room | None
    lang: str
    tx: Tx
    network: NetworkSettings
    settings: Settings
    """The whole configuration: handlers read their own section (`ctx.settings.archive`)."""
    registry: Registry
    limits: PlatformLimits
    aliases: TagAliases
    no_dm_platforms: frozenset[str] = frozenset()
    bot_username: str | None = None
    """The bot's own username on the message's platform, when it has one (Telegram)."""

    def dm_link(self, payload: str) -> str | None:
        """A link that opens a private chat with the bot, where the platform has one."""
        template = self.limits.dm_link_template
        if template is None or not self.bot_username:
            return None
        return template.format(bot=self.bot_username, payload=payload)

    @property
    def origin(self) -> Target:
        """Where the command was typed: the room, or the user's private chat."""
        if self.message.is_private:
            return Target(self.message.platform, TargetKind.USER, self.message.user_id)
        return Target(self.message.platform, TargetKind.ROOM, self.message.chat_id)

    @property
    def room_label(self) -> str:
        if self.room is not None:
            return self.room.label
        return self.message.chat_title or self.message.chat_id

    async def audit(self, command: str, outcome: str, detail: str = "") -> None:
        """A row in the audit log: who did (or was refused) what, where."""
        await self.tx.audit.record(
            platform=self.message.platform,
            user_id=self.message.user_id,
            member_id=self.member.id,
            chat_id=self.message.chat_id,
            command=command,
            outcome=outcome,
            detail=detail,
        )

    def t(self, key: str, /, **params: object) -> str:
        return text(self.lang, key, **params)

    def has_role(self, needed: Role, scope: Iterable[str] | None = None) -> bool:
        return has_role(self.member.grants, needed, scope, self.aliases)

    def require(self, needed: Role, scope: Iterable[str] | None = None) -> None:
        if not self.has_role(needed, scope):
            raise UserError("refused.scope", role=needed.name.lower())

    async def reply(
        self, key: str, /, *, buttons: tuple[Button, ...] = (), **params: object
    ) -> None:
        await self.reply_message(OutgoingMessage(spans(self.lang, key, **params), buttons))

    async def reply_text(self, body: str) -> None:
        await self.reply_message(OutgoingMessage((Span(body),)))

    async def reply_message(self, message: OutgoingMessage) -> None:
        await self.tx.outbox.enqueue(self.origin, message, Priority.REPLY)

    async def send(
        self,
        target: Target,
        message: OutgoingMessage,
        priority: int,
        *,
        subject: str | None = None,
        lang: str | None = None,
    ) -> int:
        return await self.tx.outbox.enqueue(target, message, priority, subject=subject, lang=lang)
