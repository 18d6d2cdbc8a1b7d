"""A small IRCv3 server for what miniircd and ngircd lack: CAP with `sasl` and
`account-tag`, SASL PLAIN logins, accounts on messages, and a server that goes
silent. It serves the bot's connection and records every line the bot sends;
the test injects what other users say.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.transports.irc.protocol import Message, parse

CAPS = "sasl=PLAIN account-tag extended-join account-notify multi-prefix"
ISUPPORT = "CASEMAPPING=rfc1459 CHANTYPES=# NICKLEN=30 TARGMAX=PRIVMSG:4,NOTICE:4 WHOX"


@dataclass
class ScriptedConnection:
    writer: asyncio.StreamWriter
    received: list[Message] = field(default_factory=list)
    nick: str = ""
    user: str = ""
    account: str | None = None
    negotiating: bool = False
    registered: bool = False


class ScriptedIrcServer:
    def __init__(
        self,
        accounts: dict[str, str] | None = None,
        *,
        answer_pings: bool = True,
        caps: str = CAPS,
    ) -> None:
        self.caps = caps
        """What CAP LS offers: drop `account-tag` to play a network that only has
        extended-join and account-notify."""
        self.host = "127.0.0.1"
        self.port = 0
        self.accounts = accounts or {}
        self.answer_pings = answer_pings
        self.connections: list[ScriptedConnection] = []
        self.online: dict[str, str | None] = {}
        """Other users connected, nick -> account (None: not logged in); WHOX answers from it."""
        self._server: asyncio.Server | None = None
        self._changed = asyncio.Condition()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for conn in self.connections:
                conn.writer.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    @property
    def current(self) -> ScriptedConnection:
        return self.connections[-1]

    async def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float = 20.0
    ) -> Message:
        async with asyncio.timeout(timeout), self._changed:
            while True:
                for conn in self.connections:
                    for message in conn.received:
                        if predicate(message):
                            return message
                await self._changed.wait()

    async def wait_connections(self, count: int, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(
                lambda: sum(c.registered for c in self.connections) >= count
            )

    async def inject(self, line: str) -> None:
        """A line from the server (another user speaking, an ACCOUNT change...)."""
        self.current.writer.write(line.encode() + b"\r\n")
        await self.current.writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = ScriptedConnection(writer)
        self.connections.append(conn)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while raw := await reader.readline():
                message = parse(raw.decode("utf-8", errors="replace"))
                await self._answer(conn, message)
                async with self._changed:
                    conn.received.append(message)
                    self._changed.notify_all()
        writer.close()

    def _send(self, conn: ScriptedConnection, line: str) -> None:
        conn.writer.write(line.encode() + b"\r\n")

    async def _answer(self, conn: ScriptedConnection, msg: Message) -> None:
        name = conn.nick or "*"
        if msg.command == "CAP" and msg.param(0) == "LS":
            conn.negotiating = True
            self._send(conn, f":srv CAP * LS :{self.caps}")
        elif msg.command == "CAP" and msg.param(0) == "REQ":
            self._send(conn, f":srv CAP {name} ACK :{msg.param(1)}")
        elif msg.command == "CAP" and msg.param(0) == "END":
            conn.negotiating = False
        elif msg.command == "AUTHENTICATE" and msg.param(0) == "PLAIN":
            self._send(conn, "AUTHENTICATE +")
        elif msg.command == "AUTHENTICATE":
            _, user, password = base64.b64decode(msg.param(0)).decode().split("\0")
            if self.accounts.get(user) == password:
                conn.account = user
                self._send(conn, f":srv 900 {name} {name}!u@h {user} :You are now logged in")
                self._send(conn, f":srv 903 {name} :SASL authentication successful")
            else:
                self._send(conn, f":srv 904 {name} :SASL authentication failed")
        elif msg.command == "NICK":
            conn.nick = msg.param(0)
        elif msg.command == "USER":
            conn.user = msg.param(0)
        elif msg.command == "PING" and self.answer_pings:
            self._send(conn, f":srv PONG srv :{msg.param(0)}")
        elif msg.command == "JOIN":
            for channel in msg.param(0).split(","):
                account = conn.account or "*"
                self._send(
                    conn, f":{conn.nick}!~{conn.user}@test.host JOIN {channel} {account} :Riposte"
                )
        elif msg.command == "WHO":
            mask, _, fields = msg.param(0), None, msg.param(1)
            token = fields.partition(",")[2]
            if mask in self.online:
                account = self.online[mask] or "0"
                self._send(conn, f":srv 354 {name} {token} {mask} {account}")
            self._send(conn, f":srv 315 {name} {mask} :End of WHO list")
        elif msg.command not in ("CAP", "PASS", "PING", "PRIVMSG", "NOTICE", "QUIT", "PONG", "WHO"):
            self._send(conn, f":srv 421 {name} {msg.command} :Unknown command")
        if conn.nick and conn.user and not conn.negotiating and not conn.registered:
            conn.registered = True
            self._send(conn, f":srv 001 {conn.nick} :Welcome")
            self._send(conn, f":srv 005 {conn.nick} {ISUPPORT} :are supported")
            self._send(conn, f":srv 376 {conn.nick} :End of MOTD")
        await conn.writer.drain()
