"""A person on IRC: a tiny asyncio client that registers, joins, talks and records lines.

Deliberately independent of the bot's client beyond the line parser, so the
tests see exactly what the server relays (the raw bytes are kept too).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from bot.transports.irc.protocol import Message, parse

WAIT = 20.0


class IrcHuman:
    def __init__(self, nick: str) -> None:
        self.nick = nick
        self.raw: list[bytes] = []
        self.messages: list[Message] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()

    @classmethod
    async def connect(cls, host: str, port: int, nick: str) -> IrcHuman:
        """Connect and register; if the nick is still held (ngircd handles a leaving
        client's QUIT late), try again until it is free."""
        async with asyncio.timeout(WAIT):
            while True:
                human = cls(nick)
                human._reader, human._writer = await asyncio.open_connection(host, port)
                human._task = asyncio.create_task(human._read())
                await human.send(f"NICK {nick}")
                await human.send(f"USER {nick} 0 * :{nick} the human")
                reply = await human.wait_for(lambda m: m.command in ("001", "433"))
                if reply.command == "001":
                    return human
                await human.close()
                await asyncio.sleep(0.2)

    async def send(self, line: str) -> None:
        assert self._writer is not None
        self._writer.write(line.encode() + b"\r\n")
        await self._writer.drain()

    async def _read(self) -> None:
        assert self._reader is not None
        while True:
            raw = await self._reader.readline()
            if not raw:
                break
            self.raw.append(raw)
            message = parse(raw.decode("utf-8", errors="replace"))
            if message.command == "PING":
                await self.send(f"PONG :{message.param(0)}")
            async with self._changed:
                self.messages.append(message)
                self._changed.notify_all()

    async def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float = WAIT, start: int = 0
    ) -> Message:
        """The first line (from index `start`) matching `predicate`, waiting for it."""
        async with asyncio.timeout(timeout), self._changed:
            while True:
                for message in self.messages[start:]:
                    if predicate(message):
                        return message
                await self._changed.wait()

    async def join(self, *channels: str) -> None:
        """Join channels in one JOIN line (ngircd delays each JOIN command ~1 s)."""
        mark = len(self.messages)
        await self.send("JOIN " + ",".join(channels))
        for channel in channels:
            await self.wait_for(_end_of_names(channel), start=mark)

    async def say(self, target: str, text: str) -> None:
        await self.send(f"PRIVMSG {target} :{text}")

    def texts_from(self, nick: str, target: str | None = None, start: int = 0) -> list[str]:
        """What `nick` said (PRIVMSG or NOTICE), optionally only into `target`."""
        return [
            m.param(1)
            for m in self.messages[start:]
            if m.command in ("PRIVMSG", "NOTICE")
            and (m.nick or "").lower() == nick.lower()
            and (target is None or m.param(0).lower() == target.lower())
        ]

    async def wait_text(
        self,
        nick: str,
        contains: str,
        target: str | None = None,
        start: int = 0,
        timeout: float = WAIT,
    ) -> Message:
        return await self.wait_for(
            lambda m: (
                m.command in ("PRIVMSG", "NOTICE")
                and (m.nick or "").lower() == nick.lower()
                and (target is None or m.param(0).lower() == target.lower())
                and contains in m.param(1)
            ),
            timeout=timeout,
            start=start,
        )

    async def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self.send("QUIT :bye")
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


async def bot_joined(human: IrcHuman, channel: str, nick: str, start: int = 0) -> None:
    """Wait until `human` sees the bot (`nick`) in `channel`: its JOIN, or its name
    in the NAMES list the human got on joining after it."""

    def present(m: Message) -> bool:
        if m.command == "JOIN":
            return (m.nick or "").lower() == nick.lower() and m.param(0).lower() == channel.lower()
        if m.command == "353" and m.param(2).lower() == channel.lower():
            names = {name.lstrip("~&@%+").lower() for name in m.param(3).split()}
            return nick.lower() in names
        return False

    await human.wait_for(present, start=start)


def _end_of_names(channel: str) -> Callable[[Message], bool]:
    return lambda m: m.command == "366" and m.param(1).lower() == channel.lower()
