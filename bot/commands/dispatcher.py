"""From an incoming message to a handled command, with every refusal answered.

Parse, resolve the member and the room, check the role, bind the arguments,
run the handler; all in one transaction. A `UserError` rolls back the
handler's changes and answers why; any other exception rolls back everything,
is logged with an error id, and the user gets a short apology quoting it.
Either way the audit rows the handler asked for are written after its work
is undone, so the log keeps every refusal.

The role checked here is a gate (the best role held anywhere); what a command
touches is checked by the handler against every tag it carries, with the
rules of `bot.domain.rights`.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from collections.abc import Callable, Mapping

from bot.commands.arguments import bind
from bot.commands.context import AuditEntry, Context
from bot.commands.errors import UsageError, UserError
from bot.commands.parser import (
    MAX_INPUT_LENGTH,
    clean_name,
    clean_text,
    parse_command,
    tokenize,
)
from bot.commands.registry import CommandSpec, Registry, Where
from bot.config import Settings
from bot.domain.members import Standing
from bot.domain.messages import IncomingMessage, OutgoingMessage, Target, TargetKind
from bot.domain.roles import Role
from bot.domain.rooms import Room
from bot.i18n import pick_lang, spans, spans_from
from bot.redaction import Redactor
from bot.store.database import Database
from bot.store.outbox import Priority
from bot.store.transaction import Tx
from bot.transports.base import PlatformLimits

log = logging.getLogger(__name__)

DEFAULT_LIMITS = PlatformLimits(max_text_length=4000)
_REFUSED_BY_STANDING = {
    Standing.PENDING: "refused.pending",
    Standing.REFUSED: "refused.closed",
    Standing.REMOVED: "refused.closed",
}


@dataclasses.dataclass
class _Unit:
    """What one command leaves behind for the audit log, whatever becomes of its transaction."""

    entries: list[AuditEntry] = dataclasses.field(default_factory=list)
    member_id: int | None = None
    written: bool = False


def clean_incoming(message: IncomingMessage) -> IncomingMessage:
    """Names from the platform as single plain lines: they are shown inside the bot's lines."""
    return dataclasses.replace(
        message,
        display_name=clean_name(message.display_name, fallback=message.user_id[:64] or "?"),
        username=clean_name(message.username, "") or None,
        chat_title=clean_name(message.chat_title, "") or None,
    )


class CommandDispatcher:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        settings: Settings,
        limits: Mapping[str, PlatformLimits],
        on_commit: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._clock = clock
        self._registry = registry
        self._settings = settings
        self._network = settings.network
        self._limits = limits
        self._on_commit = on_commit
        self._bot_names: dict[str, set[str]] = {}
        self._bot_usernames: dict[str, str] = {}
        self._redact = Redactor(settings.secrets())

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
            if self._limits.get(message.platform, DEFAULT_LIMITS).lone_bot:
                await self._hint(message, "hint.not_command")
            return
        if parsed.addressee is not None:
            names = self._bot_names.get(message.platform, set())
            if parsed.addressee.casefold() not in names:
                return  # `/cmd@OtherBot`: not for us
        message = clean_incoming(message)
        spec = self._registry.lookup(parsed.name)
        if spec is None:
            await self._unknown(message, parsed.name)
            return
        error_id: str | None = None
        unit = _Unit()
        try:
            async with self._db.transaction() as tx:
                await self._run(tx, message, spec, parsed.rest, unit)
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
            if not unit.written:
                unit.entries.append(AuditEntry(spec.name, "error", error_id))
            await self._apologise(message, error_id, unit)
        self._on_commit()

    async def _run(
        self, tx: Tx, message: IncomingMessage, spec: CommandSpec, raw: str, unit: _Unit
    ) -> None:
        if await _handled_before(tx, message):
            unit.written = True
            return
        member = await tx.members.resolve(
            message.platform, message.user_id, message.display_name, message.username
        )
        unit.member_id = member.id
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
            platforms=self._limits,
            bot_usernames=self._bot_usernames,
            audit_entries=unit.entries,
            clock=self._clock,
        )
        await self._check_and_call(ctx, spec, raw)
        # A command may have changed who this is (linking folds one member into another).
        unit.member_id = ctx.member.id
        await self._write_audit(tx, message, unit)

    async def _check_and_call(self, ctx: Context, spec: CommandSpec, raw: str) -> None:
        message, member, lang = ctx.message, ctx.member, ctx.lang
        tx = ctx.tx
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
            needed = ctx.t(f"role.{spec.role.name.lower()}")
            key = _REFUSED_BY_STANDING.get(member.standing, "refused.join_first")
            if member.role > Role.GUEST:
                await self._error(ctx, "refused.role", role=needed)
            elif key == "refused.pending":
                await self._error(ctx, key, id=member.short_id)
            elif key == "refused.closed":
                await self._error(ctx, key)
            else:
                await self._error(ctx, key, role=needed, prefix=ctx.limits.command_prefix)
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
            detail = ctx.t(error.key, **self._scrubbed(error.params))
            usage = f"{ctx.limits.command_prefix}{spec.usage.get(lang)}"
            await self._error(ctx, "usage.line", detail=detail, usage=usage)
        except UserError as error:
            await self._error(ctx, error.key, **self._scrubbed(error.params))

    def _scrubbed(self, params: Mapping[str, object]) -> dict[str, object]:
        """What a refusal quotes back from the command (`"x" is not a time zone`) with any
        configured secret or credential-shaped word masked: a token pasted by mistake is
        not repeated to the room, nor kept in the outbox."""
        return {k: self._redact(v) if isinstance(v, str) else v for k, v in params.items()}

    async def _write_audit(self, tx: Tx, message: IncomingMessage, unit: _Unit) -> None:
        for entry in unit.entries:
            await tx.audit.record(
                platform=message.platform,
                user_id=message.user_id,
                member_id=unit.member_id,
                chat_id=message.chat_id,
                command=entry.command,
                outcome=entry.outcome,
                detail=self._redact(entry.detail),
                at=self._clock(),
            )
        unit.written = True

    async def _note_reachable(self, tx: Tx, message: IncomingMessage, room: Room | None) -> None:
        """Whoever writes to us can be written to: undo an earlier unreachable mark."""
        if message.is_private:
            await tx.members.set_dm_reachable(message.platform, message.user_id, True)
        elif room is not None and room.unreachable_reason:
            await tx.rooms.mark_unreachable(message.platform, message.chat_id, None)
            log.info("room %s:%s is reachable again", message.platform, message.chat_id)

    async def _error(self, ctx: Context, key: str, /, **params: object) -> None:
        # A refusal's key is often picked by a rule among several that share one set of
        # values (`forget_refusal`): each shows those it needs.
        await ctx.tx.outbox.enqueue(
            ctx.origin,
            OutgoingMessage(spans_from(ctx.lang, key, params), is_error=True),
            Priority.REPLY,
        )

    async def _unknown(self, message: IncomingMessage, name: str) -> None:
        """Answer typos everywhere, but stay quiet in groups about other bots' commands."""
        suggestion = self._registry.suggest(name)
        limits = self._limits.get(message.platform, DEFAULT_LIMITS)
        if suggestion is None and not message.is_private and not limits.lone_bot:
            return
        if suggestion:
            await self._hint(message, "unknown.suggest", command=name[:32], suggestion=suggestion)
        else:
            await self._hint(message, "unknown.command", command=name[:32])

    async def _hint(self, message: IncomingMessage, key: str, /, **params: object) -> None:
        """A line that runs no command, answered with how to write one."""
        message = clean_incoming(message)
        prefix = self._limits.get(message.platform, DEFAULT_LIMITS).command_prefix
        async with self._db.transaction() as tx:
            if await _handled_before(tx, message):
                return
            member = await tx.members.resolve(
                message.platform, message.user_id, message.display_name, message.username
            )
            lang = pick_lang(member.lang, self._network.lang)
            body = spans(lang, key, prefix=prefix, **params)
            await tx.outbox.enqueue(
                _origin(message), OutgoingMessage(body, is_error=True), Priority.REPLY
            )
        self._on_commit()

    async def _apologise(self, message: IncomingMessage, error_id: str, unit: _Unit) -> None:
        try:
            async with self._db.transaction() as tx:
                # The command's transaction was rolled back, its mark with it: the apology
                # answers the update, so it is not answered again after a restart.
                await _handled_before(tx, message)
                if not unit.written:
                    # The log still gets the command's rows.
                    await self._write_audit(tx, message, unit)
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


async def _handled_before(tx: Tx, message: IncomingMessage) -> bool:
    """An update received again (after a restart) was answered already: skip it. Else it
    is marked handled in `tx`, so the mark commits with its answer or not at all."""
    if message.update_id is None:
        return False
    if await tx.received.handled(message.platform, message.update_id):
        log.info(
            "%s update %d was handled before the restart: skipped",
            message.platform,
            message.update_id,
        )
        return True
    return False


def _origin(message: IncomingMessage) -> Target:
    if message.is_private:
        return Target(message.platform, TargetKind.USER, message.user_id)
    return Target(message.platform, TargetKind.ROOM, message.chat_id)
