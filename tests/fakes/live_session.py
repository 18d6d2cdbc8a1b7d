"""`riposte run` as a subprocess we can keep talking to while fakes run in the test's loop.

`console_session.run_console` feeds all input at once and blocks; a fake
server living in the test's event loop could not answer meanwhile. Here the
process runs under asyncio: a test writes console lines when it wants, waits
for output lines, drives other platforms' fakes in between, then closes stdin
and stops the bot (SIGTERM: with a network transport on, the end of console
input closes only the console).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from pathlib import Path

EXPECT_TIMEOUT = 20.0


class LiveSession:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self.stderr_lines: list[str] = []
        self._new_line = asyncio.Condition()
        self._readers = [
            asyncio.create_task(self._read(process.stdout, self.lines)),
            asyncio.create_task(self._read(process.stderr, self.stderr_lines)),
        ]

    @classmethod
    async def start(cls, config: Path, env: dict[str, str] | None = None) -> LiveSession:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        return cls(process)

    async def _read(self, stream: asyncio.StreamReader | None, into: list[str]) -> None:
        assert stream is not None
        while True:
            raw = await stream.readline()
            if not raw:
                break
            into.append(raw.decode("utf-8", errors="replace").rstrip("\n"))
            async with self._new_line:
                self._new_line.notify_all()
        async with self._new_line:
            self._new_line.notify_all()

    async def say(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def expect(
        self, pattern: str, timeout: float = EXPECT_TIMEOUT, *, in_log: bool = False
    ) -> str:
        """The first stdout (or, `in_log`, stderr) line matching `pattern`, waiting for it."""
        compiled = re.compile(pattern)
        lines = self.stderr_lines if in_log else self.lines

        def found() -> str | None:
            return next((line for line in lines if compiled.search(line)), None)

        async def wait() -> str:
            async with self._new_line:
                while (line := found()) is None:
                    if self.process.returncode is not None:
                        raise AssertionError(f"riposte exited before printing {pattern!r}")
                    await self._new_line.wait()
                return line

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"no line matching {pattern!r}; stdout:\n"
                + "\n".join(self.lines)
                + "\nstderr:\n"
                + "\n".join(self.stderr_lines[-30:])
            ) from None

    async def finish(self, timeout: float = 30.0) -> int:
        """Close stdin (end of input), then SIGTERM: the bot stops and exits."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout)
        finally:
            await self.kill()
        return code

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        for reader in self._readers:
            with contextlib.suppress(asyncio.CancelledError):
                await reader
