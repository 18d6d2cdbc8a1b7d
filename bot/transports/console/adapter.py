"""The console transport: the embedded default, for trying the bot and scripting it.

Lines come from stdin, read in a daemon thread (stdin may be a terminal, a pipe
or a file, and a blocked read must never keep the process alive at exit).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TextIO

from bot.domain.messages import OutgoingMessage, SentRef, Target, TargetKind
from bot.transports.base import Inbox, PlatformLimits
from bot.transports.console.inbound import PLATFORM, Speaker, parse_line
from bot.transports.console.render import format_output

log = logging.getLogger(__name__)

CONSOLE_LIMITS = PlatformLimits(
    max_text_length=100_000,
    can_edit=True,
    has_buttons=True,
    can_upload=False,
    can_send_files=True,
    dm_without_prompt=True,
    command_prefix="/",
    max_in_flight=1,
    lone_bot=True,
)

_EOF = object()


class ConsoleTransport:
    platform = PLATFORM
    limits = CONSOLE_LIMITS

    def __init__(
        self,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        first_speaker: Speaker,
        interactive: bool | None = None,
        after_line: Callable[[], Awaitable[object]] | None = None,
        on_eof: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._stdin = stdin if stdin is not None else sys.stdin
        self._stdout = stdout if stdout is not None else sys.stdout
        self._speaker = first_speaker
        self._interactive = self._stdin.isatty() if interactive is None else interactive
        self._after_line = after_line
        self._on_eof = on_eof
        self._counter = itertools.count(1)
        self._task: asyncio.Task[None] | None = None
        self._line_done = threading.Event()
        self._line_done.set()

    @property
    def bot_username(self) -> str | None:
        return None

    async def start(self, inbox: Inbox) -> None:
        if self._interactive:
            # Line editing and history at the prompt; without it, the prompt goes to stderr.
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        thread = threading.Thread(
            target=self._read_lines, args=(loop, queue), name="console-stdin", daemon=True
        )
        thread.start()
        self._task = asyncio.create_task(self._consume(inbox, queue), name="console-inbound")

    def _read_lines(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[object]) -> None:
        try:
            while True:
                if self._interactive:
                    # Show the prompt after the previous line's answers, not among them.
                    self._line_done.wait(timeout=15)
                    self._line_done.clear()
                    try:
                        line = input(self._speaker.prompt)
                    except EOFError:
                        break
                else:
                    line = self._stdin.readline()
                    if not line:
                        break
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError, RuntimeError):
            pass  # stdin closed or loop gone: treat as end of input
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, _EOF)

    async def _consume(self, inbox: Inbox, queue: asyncio.Queue[object]) -> None:
        while True:
            item = await queue.get()
            if item is _EOF:
                break
            assert isinstance(item, str)
            message, self._speaker = parse_line(item, self._speaker)
            if message is None:
                self._line_done.set()
                continue
            await inbox.handle(message)
            if self._after_line is not None:
                await self._after_line()
            self._line_done.set()
        log.info("console input ended")
        if self._on_eof is not None:
            await self._on_eof()

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()

    async def send(self, target: Target, message: OutgoingMessage) -> SentRef:
        self._write(format_output(target, message))
        return SentRef(PLATFORM, target.address, (str(next(self._counter)),))

    async def edit(self, ref: SentRef, message: OutgoingMessage) -> None:
        # Console rooms always start with "#", console users never do.
        kind = TargetKind.ROOM if ref.chat_id.startswith("#") else TargetKind.USER
        self._write(format_output(Target(PLATFORM, kind, ref.chat_id), message, edit=True))
