"""The IRC transport: the connection, identities and pacing behind the Transport seam.

`send()` while the link is down waits for it to come back, at most
`send_wait` seconds per outage (not per message), then raises TransientError:
the outbox keeps the row and the engine retries it with backoff, so nothing
is dropped and nothing lives only in memory. A message is written to the
socket before `send()` returns, so a row is marked sent only once the server
has been handed every line of it. IRC cannot edit: `can_edit=False` makes the
engine send the new text as a new line.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence

from bot.config import IrcSettings
from bot.domain.messages import IncomingMessage, OutgoingMessage, SentRef, Target, TargetKind
from bot.transports.base import (
    Inbox,
    PermanentError,
    PlatformLimits,
    SentPart,
    TransientError,
)
from bot.transports.irc.connection import (
    ConnectionOptions,
    IrcConnection,
    JoinRefused,
    NotConnected,
)
from bot.transports.irc.inbound import (
    PLATFORM,
    UNIDENTIFIED_PREFIX,
    WHOX_TOKEN,
    Identities,
    is_command,
    to_incoming,
    with_account,
)
from bot.transports.irc.pacing import LinePacer
from bot.transports.irc.protocol import Message, ProtocolError, split_utf8, text_budget
from bot.transports.irc.render import render_line

log = logging.getLogger(__name__)

IRC_LIMITS = PlatformLimits(
    # The whole message; the transport cuts it into lines of at most 512 bytes
    # (prefix and CRLF included) itself. Rates are left to the transport's own
    # line pacer (a burst, then one line per `pacing_interval`).
    max_text_length=4000,
    can_edit=False,
    has_buttons=False,
    can_upload=False,
    dm_without_prompt=True,
    command_prefix="!",
)

ACCOUNT_CHECK_TIMEOUT = 5.0
"""Seconds a command waits for the server to say who typed it; no answer: a guest."""

MAX_TARGETS_PER_LINE = 8
"""Even when TARGMAX allows more: keeps the target list short and the text budget large."""

LinkedRooms = Callable[[], Awaitable[Iterable[str]]]


def connection_options(settings: IrcSettings) -> ConnectionOptions:
    return ConnectionOptions(
        host=settings.host,
        port=settings.port,
        nick=settings.nick,
        realname=settings.realname,
        tls=settings.tls,
        tls_verify=settings.tls_verify,
        tls_ca_file=str(settings.tls_ca_file) if settings.tls_ca_file else None,
        password=settings.password.value if settings.password else None,
        sasl_username=settings.sasl_username,
        sasl_password=settings.sasl_password.value if settings.sasl_password else None,
        ping_interval=settings.ping_interval,
        ping_timeout=settings.ping_timeout,
        reconnect_min=settings.reconnect_min,
        reconnect_max=settings.reconnect_max,
        nick_regain_interval=settings.nick_regain_interval,
    )


class IrcTransport:
    platform = PLATFORM
    limits = IRC_LIMITS

    def __init__(self, settings: IrcSettings, linked_rooms: LinkedRooms | None = None) -> None:
        self._settings = settings
        self._linked_rooms = linked_rooms
        self.connection = IrcConnection(
            connection_options(settings),
            LinePacer(settings.pacing_burst, settings.pacing_interval),
            self._on_message,
            self._channels,
        )
        self.identities = Identities.create(self.connection.lower)
        """Who is logged in to which account, as far as the server told us."""
        self._incoming: asyncio.Queue[IncomingMessage] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()
        self._down_since: float | None = None
        self._counter = itertools.count(1)
        self._inbox: Inbox | None = None
        self._welcomed = False

    @property
    def bot_username(self) -> str | None:
        return self.connection.nick

    @property
    def link_up(self) -> bool:
        """Registered with the server now (false while reconnecting)."""
        return self.connection.ready.is_set()

    async def start(self, inbox: Inbox) -> None:
        """Start connecting in the background: an IRC outage must not stop the bot starting."""
        self._inbox = inbox
        self._tasks = [
            asyncio.create_task(self.connection.run(), name="irc-connection"),
            asyncio.create_task(self._consume(inbox), name="irc-inbound"),
        ]

    async def stop(self) -> None:
        await self.connection.close("Riposte stopping")
        for task in [*self._tasks, *self._background]:
            task.cancel()
        for task in [*self._tasks, *self._background]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _channels(self) -> list[str]:
        """The configured channels and every linked IRC room, joined at each connection."""
        channels = list(self._settings.channels)
        if self._linked_rooms is not None:
            try:
                channels += [c for c in await self._linked_rooms() if self.connection.is_channel(c)]
            except Exception:
                log.exception("irc: could not read the linked rooms; joining configured ones")
        return channels

    async def _on_message(self, msg: Message) -> None:
        conn = self.connection
        if msg.command == "001":
            self.identities.clear()
            if self._welcomed and self._inbox is not None:
                # Reconnected: what waited out a retry delay during the outage may go now.
                task = asyncio.create_task(self._inbox.platform_back(PLATFORM))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
            self._welcomed = True
        self.identities.observe(msg, "account-tag" in conn.caps)
        own = bool(msg.nick) and conn.lower(msg.nick or "") == conn.lower(conn.nick)
        if msg.command == "JOIN" and own and "WHOX" in conn.isupport:
            # Learn the accounts of everyone already in the channel; in the background,
            # since pacing may hold the line and the socket must keep being read.
            task = asyncio.create_task(self._who(msg.param(0)))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        incoming = to_incoming(
            msg,
            own_nick=conn.nick,
            is_channel=conn.is_channel,
            lower=conn.lower,
            identities=self.identities,
            trust_nicks=self._settings.trust_nicks,
        )
        if incoming is not None:
            self._incoming.put_nowait(incoming)

    async def _who(self, channel: str) -> None:
        with contextlib.suppress(NotConnected, ProtocolError):
            await self.connection.send_line("WHO", channel, f"%tna,{WHOX_TOKEN}")

    async def _consume(self, inbox: Inbox) -> None:
        """Commands run one at a time, in order, without blocking the reading of the socket."""
        while True:
            message = await self._incoming.get()
            try:
                await inbox.handle(await self._verified(message))
            except Exception:
                log.exception("irc: handling a message from %s failed", message.user_id)

    async def _verified(self, message: IncomingMessage) -> IncomingMessage:
        """Who typed this command, asked to the server when no account tag says it.

        Without `account-tag`, what `extended-join`/`account-notify` taught us
        may be stale; the server is asked again (WHOX, else WHOIS) unless that
        nick was checked in the last few seconds. No answer: a guest.
        """
        conn = self.connection
        if self._settings.trust_nicks or "account-tag" in conn.caps or not is_command(message):
            return message
        nick = message.username or message.display_name
        now = time.monotonic()
        recent = self.identities.recent_check(nick, now)
        if recent is not None:
            account = recent[0]
        else:
            try:
                account = await conn.lookup_account(nick, ACCOUNT_CHECK_TIMEOUT)
            except (NotConnected, TimeoutError, ProtocolError):
                log.info("irc: could not check the account of %s; treated as a guest", nick)
                return with_account(message, None, conn.lower)
            self.identities.remember_check(nick, account, now)
        return with_account(message, account, conn.lower)

    # -- sending ------------------------------------------------------------------------

    async def _wait_connected(self) -> None:
        ready = self.connection.ready
        if ready.is_set():
            self._down_since = None
            return
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
        remaining = self._settings.send_wait - (now - self._down_since)
        if remaining > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), remaining)
        if not ready.is_set():
            raise TransientError("IRC is not connected")
        self._down_since = None

    def _destination(self, target: Target) -> str:
        address = target.address
        if target.kind is TargetKind.ROOM or self._settings.trust_nicks:
            dest = address
        elif address.startswith(UNIDENTIFIED_PREFIX):
            dest = address[len(UNIDENTIFIED_PREFIX) :]
        else:  # an account: write to the nick it was last seen with
            dest = self.identities.nick_of(address) or address
        if not dest or any(c in dest for c in ", \r\n\0"):
            raise PermanentError(f"not an IRC target: {address!r}")
        return dest

    async def _join(self, channel: str) -> None:
        try:
            await self.connection.join(channel, self._settings.join_timeout)
        except JoinRefused as error:
            if error.permanent:
                raise PermanentError(str(error)) from None
            raise TransientError(str(error)) from None
        except (NotConnected, TimeoutError) as error:
            raise TransientError(f"cannot join {channel}: {error or 'timeout'}") from None

    async def _check_recipient(self, address: str, nick: str) -> None:
        """Before a private message: is `nick` there, and is it still the account we mean?

        An account's nick is only what we last saw; someone else may hold it now.
        Without that check an alert could be handed to whoever took the nick.
        """
        if self._settings.trust_nicks or address.startswith(UNIDENTIFIED_PREFIX):
            await self._check_online(nick)
            return
        conn = self.connection
        try:
            account = await conn.lookup_account(nick, self._settings.join_timeout)
        except (NotConnected, TimeoutError):
            raise TransientError(f"could not check who {nick} is") from None
        if account is None or conn.lower(account) != conn.lower(address):
            raise TransientError(f"account {address} is not online (as {nick})")

    async def _check_online(self, nick: str) -> None:
        try:
            online = await self.connection.is_online(nick, self._settings.join_timeout)
        except (NotConnected, TimeoutError):
            raise TransientError(f"could not check whether {nick} is online") from None
        if not online:
            # Kept in the outbox and retried with backoff: they may come back.
            raise TransientError(f"{nick} is not connected")

    def _lines(self, dest: str, message: OutgoingMessage) -> tuple[str, list[str]]:
        """The command and the text of each line of `message` to `dest` (one target, or
        several joined by commas), each within 512 bytes as the server relays it."""
        conn = self.connection
        command = "NOTICE" if message.is_error else "PRIVMSG"
        text = render_line(message, bold=self._settings.bold)
        if not text:
            return command, []
        return command, split_utf8(text, text_budget(command, dest, conn.nick, conn.user_host))

    async def _write_line(self, command: str, dest: str, piece: str) -> str:
        try:
            await self.connection.send_line(command, dest, piece)
        except NotConnected as error:
            raise TransientError(f"IRC link lost while sending: {error}") from None
        return str(next(self._counter))

    def measure(self, message: OutgoingMessage) -> int:
        return len(render_line(message, bold=self._settings.bold))

    @property
    def max_targets(self) -> int:
        """Channels one line may reach (the server's TARGMAX, at most MAX_TARGETS_PER_LINE)."""
        allowed = min(self.connection.targmax("PRIVMSG"), self.connection.targmax("NOTICE"))
        return min(MAX_TARGETS_PER_LINE, max(1, allowed))

    async def _ready_for(self, target: Target) -> str:
        """Connected, in the channel, or sure the private recipient is who we mean."""
        dest = self._destination(target)
        await self._wait_connected()
        if target.kind is TargetKind.ROOM:
            await self._join(dest)
        else:
            await self._check_recipient(target.address, dest)
        return dest

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        dest = await self._ready_for(target)
        command, lines = self._lines(dest, message)
        ids = [await self._write_line(command, dest, line) for line in lines]
        return SentRef(PLATFORM, target.address, tuple(ids))

    async def send_part(self, target: Target, message: OutgoingMessage, index: int) -> SentPart:
        """One IRC line of the message: a lost link between lines resumes at the line lost."""
        dest = await self._ready_for(target)
        command, lines = self._lines(dest, message)
        if index >= len(lines):
            return SentPart(SentRef(PLATFORM, target.address, ()), max(1, len(lines)))
        line_id = await self._write_line(command, dest, lines[index])
        return SentPart(SentRef(PLATFORM, target.address, (line_id,)), len(lines))

    async def send_many(self, targets: Sequence[Target], message: OutgoingMessage) -> list[SentRef]:
        """One line to several channels (TARGMAX), all or nothing.

        Refused before anything is sent when the targets exceed one line's
        `max_targets` or the message needs more than one line for the joined
        target list: the engine then sends each row on its own, line by line.
        """
        rooms = [self._destination(t) for t in targets if t.kind is TargetKind.ROOM]
        if len(rooms) != len(targets) or len(rooms) > self.max_targets:
            raise TransientError("not a group of channels one line can reach")
        dest = ",".join(rooms)
        command, lines = self._lines(dest, message)
        if len(lines) != 1:
            raise TransientError("the message needs more than one line")
        await self._wait_connected()
        for channel in rooms:
            await self._join(channel)
        line_id = await self._write_line(command, dest, lines[0])
        return [SentRef(PLATFORM, target.address, (line_id,)) for target in targets]

    async def edit(self, ref: SentRef, message: OutgoingMessage) -> None:
        """IRC has no edits: the corrected text goes out as a new line."""
        await self.send(self._edit_target(ref), message)

    async def edit_part(self, ref: SentRef, message: OutgoingMessage, index: int) -> None:
        await self.send_part(self._edit_target(ref), message, index)

    def _edit_target(self, ref: SentRef) -> Target:
        kind = TargetKind.ROOM if self.connection.is_channel(ref.chat_id) else TargetKind.USER
        return Target(PLATFORM, kind, ref.chat_id)
