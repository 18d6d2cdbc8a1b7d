"""From an incoming message to a handled command, with every refusal answered.

Parse, resolve the member and the room, check the role, bind the arguments,
run the handler; all in one transaction. A `UserError` rolls back the
handler's changes and answers why; any other exception rolls back everything,
is logged with an error id, and the user gets a short apology quoting it.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping

from bot.commands.arguments import bind
from bot.commands.context import Context
from bot.commands.errors import UsageError, UserError
from bot.commands.parser import MAX_INPUT_LENGTH, clean_text, parse_command, tokenize
from bot.commands.registry import CommandSpec, Registry, Where
from bot.config import Settings
from bot.domain.messages import IncomingMessage, OutgoingMessage, Target, TargetKind
from bot.domain.roles import Role
from bot.domain.rooms import Room
from bot.i18n import pick_lang, spans
from bot.store.database import Database
from bot.store.outbox import Priority
from bot.store.transaction import Tx
from bot.transports.base import PlatformLimits

log = logging.getLogger(__name__)

DEFAULT_LIMITS = PlatformLimits(max_text_length=4000)


class CommandDispatcher:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        settings: Settings,
        limits: Mapping[str, PlatformLimits],
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._registry = registry
        self._settings = settings
        self._network = settings.network
        self._limits = limits
        self._on_commit = on_commit
        self._bot_names: dict[str, set[str]] = {}
        self._bot_usernames: dict[str, str] = {}

    def set_bot_name(self, platform: str, name: str | None) -> None:
        if name:
            self._bot_names.setdefault(platform, set()).add(name.casefold())
            self._bot_usernames[platform] = name

    async def chat_moved(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        async with self._db.transaction() as tx:
            moved = await tx.rooms.move_chat(platform, old_chat_id, new_chat_id)
        if moved:
            log.info("room %s:%s moved to %s", platform, old_chat_id, new_chat_id)

    async def platform_back(self, platform: str) -> None:
        async with self._db.transaction() as tx:
            due = await tx.outbox.retry_now(platform, time.time())
        if due:
            log.info("%s is back: %d delayed deliveries retried now", platform, due)
            self._on_commit()

    async def handle(self, message: IncomingMessage) -> None:
        parsed = parse_command(message.text)
        if parsed is None:
            return
        if parsed.addressee is not None:
            names = self._bot_names.get(message.platform, set())
            if parsed.addressee.casefold() not in names:
                return  # `/cmd@OtherBot`: not for us
        spec = self._registry.lookup(parsed.name)
        if spec is None:
            await self._unknown(message, parsed.name)
            return
        error_id: str | None = None
        try:
            async with self._db.transaction() as tx:
                await self._run(tx, message, spec, parsed.rest)
        except Exception:
            error_id = secrets.token_hex(3)
            log.exception(
                "error %s in command %s from %s:%s in %s",
                error_id,
                spec.name,
                message.platform,
                message.user_id,
                message.chat_id,
            )
        if error_id is not None:
            await self._apologise(message, error_id)
        self._on_commit()

    async def _run(self, tx: Tx, message: IncomingMessage, spec: CommandSpec, raw: str) -> None:
        member = await tx.members.resolve(
            message.platform, message.user_id, message.display_name, message.username
        )
        room = None if message.is_private else await tx.rooms.get(message.platform, message.chat_id)
        await self._note_reachable(tx, message, room)
        lang = pick_lang(member.lang, room.lang if room else None, self._network.lang)
        ctx = Context(
            message=message,
            member=member,
            room=room,
            lang=lang,
            tx=tx,
            network=self._network,
            settings=self._settings,
            registry=self._registry,
            limits=self._limits.get(message.platform, DEFAULT_LIMITS),
            aliases=await tx.tags.aliases(),
            no_dm_platforms=frozenset(p for p, lim in self._limits.items() if not lim.notify_by_dm),
            bot_username=self._bot_usernames.get(message.platform),
        )
        if not message.identified and spec.role > Role.GUEST:
            # An unverified name (an IRC nick anyone may take) never gets a role's power.
            await ctx.audit(spec.name, "refused", "unidentified")
            log.info(
                "refused %s to unidentified %s:%s", spec.name, message.platform, message.user_id
            )
            await self._error(ctx, "refused.unidentified")
            return
        if member.role < spec.role:
            await ctx.audit(
                spec.name,
                "refused",
                f"needs {spec.role.name.lower()}, has {member.role.name.lower()}",
            )
            log.info(
                "refused %s to %s:%s (member %s, role %s)",
                spec.name,
                message.platform,
                message.user_id,
                member.id,
                member.role.name,
            )
            key = "refused.join_first" if member.role.value == 0 else "refused.role"
            await self._error(ctx, key, role=ctx.t(f"role.{spec.role.name.lower()}"))
            return
        if spec.where is Where.ROOM and message.is_private:
            await self._error(ctx, "refused.room_only", command=spec.name)
            return
        if len(message.text) > MAX_INPUT_LENGTH:
            await self._error(ctx, "input.too_long", limit=MAX_INPUT_LENGTH)
            return
        cleaned = clean_text(raw)
        try:
            async with tx.savepoint():
                tokens = tokenize(cleaned)
                values = bind(spec.args, cleaned, tokens)
                await spec.handler(ctx, **values)
        except UsageError as error:
            detail = ctx.t(error.key, **error.params)
            usage = f"{ctx.limits.command_prefix}{spec.usage.get(lang)}"
            await self._error(ctx, "usage.line", detail=detail, usage=usage)
        except UserError as error:
            await self._error(ctx, error.key, **error.params)

    async def _note_reachable(self, tx: Tx, message: IncomingMessage, room: Room | None) -> None:
        """Whoever writes to us can be written to: undo an earlier unreachable mark."""
        if message.is_private:
            await tx.members.set_dm_reachable(message.platform, message.user_id, True)
        elif room is not None and room.unreachable_reason:
            await tx.rooms.mark_unreachable(message.platform, message.chat_id, None)
            log.info("room %s:%s is reachable again", message.platform, message.chat_id)

    async def _error(self, ctx: Context, key: str, /, **params: object) -> None:
        await ctx.tx.outbox.enqueue(
            ctx.origin,
            OutgoingMessage(spans(ctx.lang, key, **params), is_error=True),
            Priority.REPLY,
        )

    async def _unknown(self, message: IncomingMessage, name: str) -> None:
        """Answer typos everywhere, but stay quiet in groups about other bots' commands."""
        suggestion = self._registry.suggest(name)
        if suggestion is None and not message.is_private:
            return
        prefix = self._limits.get(message.platform, DEFAULT_LIMITS).command_prefix
        async with self._db.transaction() as tx:
            member = await tx.members.resolve(
                message.platform, message.user_id, message.display_name, message.username
            )
            lang = pick_lang(member.lang, self._network.lang)
            key = "unknown.suggest" if suggestion else "unknown.command"
            body = spans(lang, key, command=name[:32], suggestion=suggestion or "", prefix=prefix)
            await tx.outbox.enqueue(
                _origin(message), OutgoingMessage(body, is_error=True), Priority.REPLY
            )
        self._on_commit()

    async def _apologise(self, message: IncomingMessage, error_id: str) -> None:
        try:
            async with self._db.transaction() as tx:
                lang = pick_lang(self._network.lang)
                await tx.outbox.enqueue(
                    _origin(message),
                    OutgoingMessage(
                        spans(lang, "error.internal", error_id=error_id), is_error=True
                    ),
                    Priority.REPLY,
                )
        except Exception:
            log.exception("could not send the apology for error %s", error_id)


def _origin(message: IncomingMessage) -> Target:
    if message.is_private:
        return Target(message.platform, TargetKind.USER, message.user_id)
    return Target(message.platform, TargetKind.ROOM, message.chat_id)
