"""Run `riposte run` as a subprocess with scripted console input, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SESSION_TIMEOUT = 60


@dataclass(frozen=True)
class Session:
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    def sent_to(self, target: str) -> list[str]:
        """Texts of the messages sent to `#room` or `@user` (first line of each)."""
        prefix = f"-> {target}: "
        return [line[len(prefix) :] for line in self.lines if line.startswith(prefix)]

    def edited_in(self, target: str) -> list[str]:
        prefix = f"~> {target}: "
        return [line[len(prefix) :] for line in self.lines if line.startswith(prefix)]


def run_console(
    config: Path, lines: list[str], *, extra_env: dict[str, str] | None = None,
    timeout: float = SESSION_TIMEOUT,
) -> Session:
    env = {**os.environ, **(extra_env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=timeout,
        check=False,
    )
    return Session(done.returncode, done.stdout, done.stderr)
