"""What a handler gets: who, where, in which language, and a way to answer.

Replies are not sent from here: they are outbox rows in the handler's own
transaction, so an answer exists exactly when what it announces does. Audit
rows are the exception: they are kept aside and written by the dispatcher
after the handler, so a refusal stays in the log even though raising
`UserError` rolls the handler's own changes back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from bot.commands.errors import UserError
from bot.commands.registry import Registry
from bot.config import NetworkSettings, Settings
from bot.domain.ids import Kind, parse_short_id
from bot.domain.members import Member
from bot.domain.messages import Button, IncomingMessage, OutgoingMessage, Span, Target, TargetKind
from bot.domain.rights import may_see
from bot.domain.roles import Role, has_role
from bot.domain.rooms import Room
from bot.domain.tags import TagAliases
from bot.i18n import pick_lang, spans, text
from bot.store.outbox import EPHEMERAL_SUBJECT, Priority
from bot.store.transaction import Tx
from bot.transports.base import PlatformLimits


@dataclass(frozen=True, slots=True)
class AuditEntry:
    command: str
    outcome: str
    """`done`, `refused`, or a command's own word (`bad_code`)."""
    detail: str = ""


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
    platforms: Mapping[str, PlatformLimits] = field(default_factory=dict)
    """Every running platform's limits: where else the bot may write first, link, upload,
    edit messages in place, DM subscribers."""
    bot_usernames: Mapping[str, str] = field(default_factory=dict)
    audit_entries: list[AuditEntry] = field(default_factory=list)
    """Written by the dispatcher once the handler is done, whatever its outcome."""
    clock: Callable[[], float] = time.time
    """Now, in epoch seconds: what a handler stamps and schedules with (tests bring theirs)."""

    def dm_link(self, payload: str) -> str | None:
        """A link that opens a private chat with the bot, where the platform has one."""
        return self.dm_link_on(self.message.platform, payload)

    def dm_link_on(self, platform: str, payload: str) -> str | None:
        """The same link for another platform (an invitation typed on IRC, used on Telegram)."""
        here = platform == self.message.platform
        limits = self.platforms.get(platform, self.limits if here else None)
        username = self.bot_usernames.get(platform) or (self.bot_username if here else None)
        if limits is None or limits.dm_link_template is None or not username:
            return None
        return limits.dm_link_template.format(bot=username, payload=payload)

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
        """A row in the audit log: who did (or was refused) what, where.

        Kept even when the handler then raises `UserError`: the dispatcher
        writes it outside the handler's rolled-back work.
        """
        self.audit_entries.append(AuditEntry(command, outcome, detail))

    async def refuse(
        self, command: str, key: str, /, detail: str = "", **params: object
    ) -> NoReturn:
        """Audit a refusal and answer it: raises `UserError(key)`, so nothing else happens."""
        await self.audit(command, "refused", detail or key)
        raise UserError(key, **params)

    async def find_member(self, handle: str) -> Member:
        """Someone named in a command: `M5`, `@username`, a display name or a platform id."""
        short = parse_short_id(handle, Kind.MEMBER)
        if short is not None and not handle.startswith("@"):
            found = await self.tx.members.get(short.number)
            if found is None:
                raise UserError("member.not_found", who=handle)
            return found
        matches = await self.tx.members.find(self.message.platform, handle)
        if not matches:
            raise UserError("member.not_found", who=handle)
        if len(matches) > 1:
            ids = ", ".join(m.short_id for m in matches)
            raise UserError("member.ambiguous", who=handle, ids=ids)
        return matches[0]

    def t(self, key: str, /, **params: object) -> str:
        return text(self.lang, key, **params)

    def sees(self, scope: Iterable[str], author_id: int | None = None) -> bool:
        """Whether something of this scope (an alert, its tasks) is shown to this member,
        here: `bot.domain.rights.may_see`."""
        room_tags = self.room.tags if self.room is not None else ()
        return may_see(self.member, scope, self.aliases, author_id=author_id, room_tags=room_tags)

    def scope_text(self, scope: Iterable[str] | None) -> str:
        """`#dept:069 #dept:075`, or "the whole network" for an empty scope."""
        shown = " ".join(f"#{tag}" for tag in scope or ())
        return shown or self.t("scope.network")

    def has_role(self, needed: Role, scope: Iterable[str] | None = None) -> bool:
        """At least `needed` over *every* tag of `scope`; no scope: over the whole network."""
        return has_role(self.member.grants, needed, scope, self.aliases)

    async def reply(
        self, key: str, /, *, buttons: tuple[Button, ...] = (), **params: object
    ) -> None:
        await self.reply_message(OutgoingMessage(spans(self.lang, key, **params), buttons))

    async def reply_text(self, body: str) -> None:
        await self.reply_message(OutgoingMessage((Span(body),)))

    async def reply_message(self, message: OutgoingMessage) -> None:
        await self.tx.outbox.enqueue(self.origin, message, Priority.REPLY)

    async def send_secret(self, target: Target, message: OutgoingMessage) -> None:
        """A message carrying a secret (invitation codes, a link code, a login link): its
        outbox row and body are deleted once delivered, so the database keeps only the
        secret's digest."""
        await self.tx.outbox.enqueue(
            target, message, Priority.REPLY, subject=EPHEMERAL_SUBJECT, lang=self.lang
        )

    async def rewrite_copies(
        self, subject: str, render: Callable[[str], OutgoingMessage], priority: int
    ) -> int:
        """Change every message sent (or queued) under `subject`, in each copy's language.

        Queued copies are rewritten in place; sent ones (and those in flight)
        get an edit, which the engine sends once the original has landed.
        Returns how many copies were changed.
        """
        fixed = 0
        for row in await self.tx.outbox.copies(subject):
            lang = pick_lang(row.lang, self.network.lang)
            message = render(lang)
            if row.status == "pending" and await self.tx.outbox.replace_payload(row.id, message):
                fixed += 1
            elif row.status in ("pending", "sending", "sent"):
                await self.tx.outbox.enqueue(
                    row.target, message, priority, subject=row.subject, edit_of=row.id, lang=lang
                )
                fixed += 1
        return fixed

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
