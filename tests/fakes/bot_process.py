"""`riposte run` as a child process with Telegram on the fake Bot API and the console.

stdout and stderr are read as they come, so a chatty log never blocks it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fakes.telegram_bot import TOKEN_ENV

EXIT_TIMEOUT = 30


class BotProcess:
    """A `riposte run` child. With a network transport on, the end of its console
    input closes only the console: `finish` stops it the way a service manager does."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._changed = asyncio.Event()
        assert process.stdout is not None and process.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(process.stdout, self.lines)),
            asyncio.create_task(self._read(process.stderr, self.errors)),
        ]

    async def _read(self, stream: asyncio.StreamReader, into: list[str]) -> None:
        async for raw in stream:
            into.append(raw.decode("utf-8", "replace").rstrip("\n"))
            self._changed.set()

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode("utf-8"))
        await self.process.stdin.drain()

    async def wait_line(self, prefix: str, timeout: float = 20.0, *, in_log: bool = False) -> str:
        """The first stdout line starting with `prefix` (`in_log`: stderr line containing it)."""
        async with asyncio.timeout(timeout):
            while True:
                for line in self.errors if in_log else self.lines:
                    if (prefix in line) if in_log else line.startswith(prefix):
                        return line
                if self.process.returncode is not None:
                    raise AssertionError("\n".join(self.errors[-20:]))
                self._changed.clear()
                await self._changed.wait()

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.process.send_signal(sig)

    async def wait_exit(self, timeout: float) -> int:
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.gather(*self._readers)
        return code

    async def kill(self) -> None:
        """kill -9: no cleanup of any kind in the child."""
        self.process.kill()
        await asyncio.wait_for(self.process.wait(), EXIT_TIMEOUT)
        await asyncio.gather(*self._readers)

    async def finish(self) -> int:
        """End of console input, then SIGTERM: the bot stops and exits."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.send_signal(signal.SIGTERM)
        return await self.exited()

    async def exited(self) -> int:
        """The status of a bot that exits by itself (a refused start)."""
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        code = await asyncio.wait_for(self.process.wait(), EXIT_TIMEOUT)
        await asyncio.gather(*self._readers)
        return code

    @property
    def stderr(self) -> str:
        return "\n".join(self.errors)


async def start_bot(
    config: Path, token: str, env: dict[str, str] | None = None, *, args: tuple[str, ...] = ()
) -> BotProcess:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, TOKEN_ENV: token, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    return BotProcess(process)
