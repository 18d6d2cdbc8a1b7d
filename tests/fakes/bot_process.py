"""`riposte run` as a child process that a test keeps talking to.

`console_session.run_console` feeds all input at once and blocks; a fake
server living in the test's event loop could not answer meanwhile. Here the
process runs under asyncio with its console stdin kept open: a test types
console lines when it wants, waits for output lines (stdout and stderr are
read as they come, so a chatty log never blocks the child), drives other
platforms' fakes in between, then stops it the way a service manager does
(with a network transport on, the end of console input closes only the
console), kills it (`kill -9`), or waits for it to exit by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

EXPECT_TIMEOUT = 20.0
EXIT_TIMEOUT = 30.0


class BotProcess:
    """A `riposte run` child with its console on a pipe."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        """stdout: what the console transport printed."""
        self.stderr_lines: list[str] = []
        """stderr: the log."""
        self._changed = asyncio.Condition()
        assert process.stdout is not None and process.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(process.stdout, self.lines)),
            asyncio.create_task(self._read(process.stderr, self.stderr_lines)),
        ]

    async def _read(self, stream: asyncio.StreamReader, into: list[str]) -> None:
        async for raw in stream:
            into.append(raw.decode("utf-8", "replace").rstrip("\n"))
            async with self._changed:
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    @property
    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    async def say(self, line: str) -> None:
        """Type one console line (`#room user: text`, `@user: text`)."""
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode("utf-8"))
        await self.process.stdin.drain()

    async def expect(
        self, pattern: str, timeout: float = EXPECT_TIMEOUT, *, in_log: bool = False
    ) -> str:
        """The first stdout (`in_log`: stderr) line matching the regex `pattern`, waiting
        for it; fails with the output so far when it does not come or the bot exits."""
        compiled = re.compile(pattern)
        lines = self.stderr_lines if in_log else self.lines

        def found() -> str | None:
            return next((line for line in lines if compiled.search(line)), None)

        async def wait() -> str:
            async with self._changed:
                while (line := found()) is None:
                    if self.process.returncode is not None:
                        raise AssertionError(f"riposte exited before printing {pattern!r}")
                    await self._changed.wait()
                return line

        try:
            return await asyncio.wait_for(wait(), timeout)
        except (TimeoutError, AssertionError) as error:
            raise AssertionError(
                f"{error or 'no line matching ' + repr(pattern)}; stdout:\n"
                + "\n".join(self.lines)
                + "\nstderr:\n"
                + "\n".join(self.stderr_lines[-30:])
            ) from None

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.process.send_signal(sig)

    async def wait_exit(self, timeout: float = EXIT_TIMEOUT) -> int:
        """The exit status, once the child has exited and its output is all read."""
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.gather(*self._readers)
        return code

    async def finish(self, timeout: float = EXIT_TIMEOUT) -> int:
        """End of console input, then SIGTERM: the bot stops and exits (killed if it
        has not within `timeout`, and the wait fails)."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.send_signal(signal.SIGTERM)
        try:
            return await self.wait_exit(timeout)
        finally:
            await self.kill()

    async def exited(self, timeout: float = EXIT_TIMEOUT) -> int:
        """The status of a bot that exits by itself (a refused start)."""
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        try:
            return await self.wait_exit(timeout)
        finally:
            await self.kill()

    async def kill(self) -> None:
        """kill -9 (no cleanup of any kind in the child), if it still runs."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await asyncio.wait_for(self.process.wait(), EXIT_TIMEOUT)
        for reader in self._readers:
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def start_bot(
    config: Path,
    env: Mapping[str, str] | None = None,
    *,
    args: tuple[str, ...] = (),
    command: tuple[str, ...] = ("run",),
) -> BotProcess:
    """`riposte run --config CONFIG ARGS…` (or another `command`: `("worker", "delivery")`),
    with `env` added to this process's environment (the tokens a config names as
    `env:NAME`)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *command,
        "--config",
        str(config),
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    return BotProcess(process)
