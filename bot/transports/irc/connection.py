"""One IRC connection kept alive: register, negotiate, keep joined, reconnect.

`IrcConnection.run()` loops for the life of the transport: connect (TLS with
certificate verification unless switched off), negotiate IRCv3 capabilities
and SASL PLAIN, register (trying `nick_`, then `nick2`, `nick3`... when the nick
is taken, and winning the configured nick back once it is free), join the
channels, answer PINGs and send our own when the server is quiet, and start
over with exponential backoff and jitter when the link dies. Everything else
the server says is handed to `on_message`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot.transports.irc.pacing import LinePacer
from bot.transports.irc.protocol import Message, irc_lower, parse, serialize

log = logging.getLogger(__name__)

WANTED_CAPS = frozenset({"account-tag", "extended-join", "account-notify", "multi-prefix"})
READ_LIMIT = 16_384  # tags may take 8 KiB on top of the 512-byte line
JOIN_ERRORS = frozenset({"403", "405", "471", "473", "474", "475", "476", "477", "479"})
PERMANENT_JOIN_ERRORS = frozenset({"403", "473", "474", "475", "476", "479"})
SASL_FAILURES = frozenset({"902", "904", "905", "906", "908"})
MAX_JOIN_LINE = 400
WHOX_ACCOUNT_TOKEN = "72"
NICK_ERRORS = frozenset({"432", "433", "436", "437"})
WHOIS_DONE = frozenset({"318", "401", "402"})
"""End of WHOIS, no such nick, no such server: the answer is complete."""


class NotConnected(ConnectionError):
    """The link is down; the line was not sent."""


class JoinRefused(Exception):
    def __init__(self, channel: str, numeric: str, reason: str) -> None:
        super().__init__(f"cannot join {channel}: {numeric} {reason}")
        self.numeric = numeric
        self.permanent = numeric in PERMANENT_JOIN_ERRORS


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    host: str
    port: int
    nick: str
    realname: str = "Riposte bot"
    tls: bool = True
    tls_verify: bool = True
    tls_ca_file: str | None = None
    password: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ping_interval: float = 90.0
    """Quiet seconds before we PING the server ourselves."""
    ping_timeout: float = 60.0
    """Seconds without any answer to our PING before the link is declared dead."""
    reconnect_min: float = 2.0
    reconnect_max: float = 300.0
    connect_timeout: float = 30.0
    nick_regain_interval: float = 60.0
    """While on a fallback nick, how often to try the configured one again (0: only
    when its holder is seen leaving)."""


def nick_candidate(nick: str, attempt: int, max_length: int = 30) -> str:
    """`nick`, then `nick_`, then `nick2`, `nick3`..., cut to the server's NICKLEN."""
    if attempt == 0:
        return nick[:max_length]
    suffix = "_" if attempt == 1 else str(attempt)
    return nick[: max_length - len(suffix)] + suffix


def reconnect_delay(attempt: int, low: float, high: float, rng: Callable[[], float]) -> float:
    """Exponential backoff with jitter: between half and all of min(high, low * 2^attempt)."""
    base = min(high, low * (2.0 ** min(attempt, 20)))
    return base / 2 + rng() * base / 2


class IrcConnection:
    def __init__(
        self,
        options: ConnectionOptions,
        pacer: LinePacer,
        on_message: Callable[[Message], Awaitable[None]],
        channels: Callable[[], Awaitable[Iterable[str]]],
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.options = options
        self._pacer = pacer
        self._on_message = on_message
        self._channels = channels
        self._rng = rng
        self._writer: asyncio.StreamWriter | None = None
        self._write_lock = asyncio.Lock()
        self.ready = asyncio.Event()
        """Set while registered with the server; cleared as soon as the link drops."""
        self.nick = options.nick
        self.user_host: str | None = None
        self.caps: set[str] = set()
        self.isupport: dict[str, str] = {}
        self.joined: set[str] = set()
        self._join_waiters: dict[str, asyncio.Future[None]] = {}
        self._ison_waiters: list[tuple[str, asyncio.Future[bool]]] = []
        self._ison_supported = True
        self._whox_waiters: dict[str, tuple[asyncio.Future[str | None], list[str]]] = {}
        self._whois_waiters: dict[str, tuple[asyncio.Future[str | None], list[str]]] = {}
        self._regain: asyncio.Task[None] | None = None
        self._nick_attempt = 0
        self._cap_ls: list[str] = []
        self._closed = asyncio.Event()
        self.connections = 0
        """How many times registration succeeded (tests and logs read it)."""

    # -- what the transport uses ---------------------------------------------------------

    def lower(self, name: str) -> str:
        return irc_lower(name, self.isupport.get("CASEMAPPING", "rfc1459"))

    def is_channel(self, name: str) -> bool:
        return bool(name) and name[0] in self.isupport.get("CHANTYPES", "#&")

    def targmax(self, command: str) -> int:
        """How many targets one `command` line may carry (TARGMAX), 1 when not advertised."""
        for item in self.isupport.get("TARGMAX", "").split(","):
            name, _, value = item.partition(":")
            if name.upper() == command:
                return int(value) if value.isdigit() else 1
        return 1

    async def send_line(self, command: str, *params: str, paced: bool = True) -> None:
        """Serialize (refusing CR/LF/NUL) and write one line, after pacing."""
        data = serialize(command, *params)
        if paced:
            await self._pacer.acquire()
        writer = self._writer
        if writer is None or writer.is_closing():
            raise NotConnected("not connected")
        async with self._write_lock:
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError) as error:
                raise NotConnected(str(error)) from error

    async def join(self, channel: str, timeout: float) -> None:
        """Join `channel` and wait for the server to confirm it (ngircd takes ~1 s)."""
        key = self.lower(channel)
        if key in self.joined:
            return
        waiter = self._join_waiters.get(key)
        if waiter is None or waiter.done():
            waiter = asyncio.get_running_loop().create_future()
            self._join_waiters[key] = waiter
            await self.send_line("JOIN", channel)
        await asyncio.wait_for(asyncio.shield(waiter), timeout)

    async def is_online(self, nick: str, timeout: float) -> bool:
        """Whether `nick` is connected (ISON), so a private message is not sent into the void.

        A PRIVMSG to an absent nick only earns an asynchronous 401, after the row
        was marked sent; asking first lets the outbox keep the message instead.
        Servers without ISON: assume online.
        """
        if not self._ison_supported:
            return True
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._ison_waiters.append((self.lower(nick), waiter))
        await self.send_line("ISON", nick)
        return await asyncio.wait_for(asyncio.shield(waiter), timeout)

    async def account_of(self, nick: str, timeout: float) -> str | None:
        """The services account `nick` is logged in to, asked now with WHOX (None: none/absent)."""
        key = self.lower(nick)
        pending = self._whox_waiters.get(key)
        if pending is None or pending[0].done():
            pending = (asyncio.get_running_loop().create_future(), [])
            self._whox_waiters[key] = pending
            await self.send_line("WHO", nick, f"%tna,{WHOX_ACCOUNT_TOKEN}")
        return await asyncio.wait_for(asyncio.shield(pending[0]), timeout)

    async def lookup_account(self, nick: str, timeout: float) -> str | None:
        """The account `nick` is logged in to, asked now: WHOX where offered, else WHOIS.

        WHOIS answers with RPL_WHOISACCOUNT (330) on networks with services;
        servers without services never send it, so everyone there has none.
        """
        if "WHOX" in self.isupport:
            return await self.account_of(nick, timeout)
        key = self.lower(nick)
        pending = self._whois_waiters.get(key)
        if pending is None or pending[0].done():
            pending = (asyncio.get_running_loop().create_future(), [])
            self._whois_waiters[key] = pending
            await self.send_line("WHOIS", nick)
        return await asyncio.wait_for(asyncio.shield(pending[0]), timeout)

    def _on_whois(self, msg: Message) -> None:
        pending = self._whois_waiters.get(self.lower(msg.param(1)))
        if pending is None:
            return
        if msg.command == "330" and len(msg.params) >= 3:
            pending[1].append(msg.params[2])  # 330 me nick account :is logged in as
        elif msg.command in WHOIS_DONE:
            del self._whois_waiters[self.lower(msg.param(1))]
            if not pending[0].done():
                pending[0].set_result(pending[1][0] if pending[1] else None)

    def _on_whox(self, msg: Message) -> None:
        if msg.command == "354" and msg.param(1) == WHOX_ACCOUNT_TOKEN and len(msg.params) >= 4:
            pending = self._whox_waiters.get(self.lower(msg.params[2]))
            if pending is not None and msg.params[3] not in ("0", "*", ""):
                pending[1].append(msg.params[3])
        elif msg.command == "315":
            pending = self._whox_waiters.pop(self.lower(msg.param(1)), None)
            if pending is not None and not pending[0].done():
                pending[0].set_result(pending[1][0] if pending[1] else None)

    def _on_ison(self, msg: Message) -> None:
        if not self._ison_waiters:
            return
        nick, waiter = self._ison_waiters.pop(0)  # replies come in the order asked
        online = {self.lower(n) for n in msg.params[-1].split()} if len(msg.params) > 1 else set()
        if not waiter.done():
            waiter.set_result(nick in online)

    async def close(self, reason: str = "bye") -> None:
        self._closed.set()
        if self._writer is not None and not self._writer.is_closing():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.send_line("QUIT", reason, paced=False), 2.0)
            self._writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._writer.wait_closed(), 2.0)

    # -- the connection loop ------------------------------------------------------------

    async def run(self) -> None:
        """Connect, serve, reconnect; forever, until cancelled."""
        failures = 0
        while not self._closed.is_set():
            before = self.connections
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except (OSError, TimeoutError, ssl.SSLError, ValueError) as error:
                log.warning(
                    "irc %s:%d: connection failed: %s",
                    self.options.host,
                    self.options.port,
                    error or type(error).__name__,
                )
            except Exception:
                # A line over the read limit, a bug in a handler...: never let the
                # connection loop die, or IRC would stay silent until a restart.
                log.exception("irc %s:%d: connection aborted", self.options.host, self.options.port)
            finally:
                self._drop()
            if self._closed.is_set():
                break
            failures = 0 if self.connections > before else failures + 1
            delay = reconnect_delay(
                failures, self.options.reconnect_min, self.options.reconnect_max, self._rng
            )
            log.info("irc: reconnecting in %.1fs", delay)
            await asyncio.sleep(delay)

    def _drop(self) -> None:
        self.ready.clear()
        self.joined.clear()
        for waiter in self._join_waiters.values():
            if not waiter.done():
                waiter.set_exception(NotConnected("connection lost while joining"))
                waiter.exception()  # mark retrieved: nobody may be waiting any more
        self._join_waiters.clear()
        for _, ison in self._ison_waiters:
            if not ison.done():
                ison.set_exception(NotConnected("connection lost"))
                ison.exception()
        self._ison_waiters.clear()
        for waiters in (self._whox_waiters, self._whois_waiters):
            for future, _ in waiters.values():
                if not future.done():
                    future.set_exception(NotConnected("connection lost"))
                    future.exception()
            waiters.clear()
        if self._regain is not None:
            self._regain.cancel()
            self._regain = None
        if self._writer is not None:
            self._writer.close()
        self._writer = None

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.options.tls:
            return None
        context = ssl.create_default_context(cafile=self.options.tls_ca_file)
        if not self.options.tls_verify:
            log.warning("irc: TLS certificate verification is OFF for %s", self.options.host)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    async def _session(self) -> None:
        opts = self.options
        context = self._ssl_context()
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                opts.host,
                opts.port,
                ssl=context,
                server_hostname=opts.host if context else None,
                limit=READ_LIMIT,
            ),
            opts.connect_timeout,
        )
        self._writer = writer
        self._pacer.reset()
        self.isupport = {}
        self.caps = set()
        self._cap_ls = []
        self._nick_attempt = 0
        self.nick = opts.nick
        log.info("irc: connected to %s:%d%s", opts.host, opts.port, " (TLS)" if context else "")
        await self.send_line("CAP", "LS", "302", paced=False)
        if opts.password:
            await self.send_line("PASS", opts.password, paced=False)
        await self.send_line("NICK", self.nick, paced=False)
        await self.send_line("USER", opts.nick, "0", "*", opts.realname, paced=False)
        await self._read_loop(reader)

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        pinged = False
        while True:
            timeout = self.options.ping_timeout if pinged else self.options.ping_interval
            try:
                raw = await asyncio.wait_for(reader.readuntil(b"\n"), timeout)
            except TimeoutError:
                if pinged:
                    log.warning("irc: no answer to PING in %.0fs; the link is dead", timeout)
                    return
                await self.send_line("PING", "riposte", paced=False)
                pinged = True
                continue
            except asyncio.IncompleteReadError:
                log.warning("irc: the server closed the connection")
                return
            pinged = False
            message = parse(raw.decode("utf-8", errors="replace"))
            if not message.command:
                continue
            await self._handle(message)

    # -- what the connection handles itself ---------------------------------------------

    async def _handle(self, msg: Message) -> None:
        command = msg.command
        if command == "PING":
            await self.send_line("PONG", *msg.params[:1], paced=False)
            return
        if command == "CAP":
            await self._on_cap(msg)
        elif command == "AUTHENTICATE":
            await self._on_authenticate(msg)
        elif command in ("903", *SASL_FAILURES):
            if command != "903":
                log.error(
                    "irc: SASL login failed (%s %s); continuing unidentified", command, msg.param(1)
                )
            else:
                log.info("irc: SASL login succeeded")
            await self.send_line("CAP", "END", paced=False)
        elif command == "001":
            await self._on_welcome(msg)
        elif command == "005":
            for token in msg.params[1:-1]:
                name, _, value = token.partition("=")
                self.isupport[name.upper()] = value
        elif command in NICK_ERRORS and not self.ready.is_set():
            self._nick_attempt += 1
            max_length = int(self.isupport.get("NICKLEN", "30") or 30)
            self.nick = nick_candidate(self.options.nick, self._nick_attempt, max_length)
            log.warning(
                "irc: nick %s unavailable (%s); trying %s", msg.param(1), command, self.nick
            )
            await self.send_line("NICK", self.nick, paced=False)
        elif command == "JOIN" and msg.nick and self.lower(msg.nick) == self.lower(self.nick):
            self._on_own_join(msg)
        elif command in ("PART", "KICK"):
            self._on_leave(msg)
        elif command == "NICK" and msg.nick and self.lower(msg.nick) == self.lower(self.nick):
            self.nick = msg.param(0)
            if not self.has_own_nick:
                log.warning("irc: now known as %s", self.nick)
            else:
                log.info("irc: won back the nick %s", self.nick)
        elif command in ("NICK", "QUIT") and self._holds_our_nick(msg.nick):
            # Whoever held the configured nick just left it: take it now.
            await self._try_own_nick()
        elif command in JOIN_ERRORS and len(msg.params) >= 2:
            waiter = self._join_waiters.pop(self.lower(msg.params[1]), None)
            if waiter is not None and not waiter.done():
                waiter.set_exception(JoinRefused(msg.params[1], command, msg.params[-1]))
        elif command == "303":
            self._on_ison(msg)
        elif command in ("354", "315"):
            self._on_whox(msg)
        elif command == "330" or command in WHOIS_DONE:
            self._on_whois(msg)
        elif command == "421" and msg.param(1).upper() == "ISON":
            self._ison_supported = False
            for _, pending in self._ison_waiters:
                if not pending.done():
                    pending.set_result(True)
            self._ison_waiters.clear()
        elif command == "ERROR":
            log.warning("irc: server says ERROR %s", msg.param(0))
        await self._on_message(msg)

    async def _on_cap(self, msg: Message) -> None:
        sub = msg.param(1).upper()
        if sub == "LS":
            more = len(msg.params) > 3 and msg.params[2] == "*"
            self._cap_ls.extend(msg.params[-1].split())
            if more:
                return
            offered = {item.partition("=")[0] for item in self._cap_ls}
            wanted = set(WANTED_CAPS)
            if self.options.sasl_username and self.options.sasl_password:
                wanted.add("sasl")
            request = sorted(offered & wanted)
            if request:
                await self.send_line("CAP", "REQ", " ".join(request), paced=False)
            else:
                await self.send_line("CAP", "END", paced=False)
        elif sub == "ACK":
            self.caps.update(msg.params[-1].split())
            if "sasl" in self.caps and self.options.sasl_password:
                await self.send_line("AUTHENTICATE", "PLAIN", paced=False)
            else:
                await self.send_line("CAP", "END", paced=False)
        elif sub == "NAK":
            await self.send_line("CAP", "END", paced=False)
        elif sub == "NEW" or sub == "DEL":
            changed = set(msg.params[-1].split())
            if sub == "DEL":
                self.caps -= changed

    async def _on_authenticate(self, msg: Message) -> None:
        if msg.param(0) != "+" or not self.options.sasl_password:
            return
        user = self.options.sasl_username or self.options.nick
        secret = f"{user}\0{user}\0{self.options.sasl_password}".encode()
        payload = base64.b64encode(secret).decode("ascii")
        # Chunks of 400; a payload that is an exact multiple ends with "+".
        chunks = [payload[i : i + 400] for i in range(0, len(payload), 400)]
        if len(payload) % 400 == 0:
            chunks.append("+")
        for chunk in chunks:
            await self.send_line("AUTHENTICATE", chunk, paced=False)

    @property
    def has_own_nick(self) -> bool:
        """False while registered under a fallback (`riposte_`) because the nick was taken."""
        return self.lower(self.nick) == self.lower(self.options.nick)

    def _holds_our_nick(self, nick: str | None) -> bool:
        return (
            bool(nick)
            and not self.has_own_nick
            and self.lower(nick or "") == self.lower(self.options.nick)
        )

    async def _try_own_nick(self) -> None:
        if self.has_own_nick or not self.ready.is_set():
            return
        with contextlib.suppress(NotConnected):
            await self.send_line("NICK", self.options.nick)

    async def _regain_nick(self) -> None:
        """Ask for the configured nick now and then; a refusal (433) costs nothing."""
        interval = self.options.nick_regain_interval
        while interval > 0 and not self.has_own_nick:
            await asyncio.sleep(interval)
            await self._try_own_nick()

    async def _on_welcome(self, msg: Message) -> None:
        self.nick = msg.param(0, self.nick)
        self.connections += 1
        log.info("irc: registered as %s (connection %d)", self.nick, self.connections)
        self.ready.set()
        if not self.has_own_nick and self.options.nick_regain_interval > 0:
            self._regain = asyncio.create_task(self._regain_nick(), name="irc-regain-nick")
        channels = list(dict.fromkeys(await self._channels()))
        for line in _join_lines(channels):
            await self.send_line("JOIN", line)

    def _on_own_join(self, msg: Message) -> None:
        if msg.prefix and "!" in msg.prefix:
            self.user_host = msg.prefix.split("!", 1)[1]
        key = self.lower(msg.param(0))
        self.joined.add(key)
        waiter = self._join_waiters.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _on_leave(self, msg: Message) -> None:
        channel = msg.param(0)
        leaving = msg.nick if msg.command == "PART" else msg.param(1)
        if leaving and self.lower(leaving) == self.lower(self.nick):
            self.joined.discard(self.lower(channel))
            log.warning("irc: left %s (%s)", channel, msg.command)


def _join_lines(channels: list[str]) -> list[str]:
    """Comma-joined channel lists, each short enough for one JOIN line."""
    lines: list[str] = []
    current = ""
    for channel in channels:
        candidate = f"{current},{channel}" if current else channel
        if len(candidate.encode()) > MAX_JOIN_LINE and current:
            lines.append(current)
            current = channel
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
