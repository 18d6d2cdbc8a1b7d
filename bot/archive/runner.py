"""Runs one worker process without ever blocking the event loop, and kills it when due.

The worker is started in its own session (process group), so killing the group
also kills the ffmpeg it started: a timeout, a size cap or the bot stopping
never leaves a download running behind our back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.archive.worker import JobSpec
from bot.domain.clips import FailReason

log = logging.getLogger(__name__)

STDERR_TAIL = 2000

_PASSED_ENV = {
    "PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "SYSTEMROOT",
}  # fmt: skip


def worker_environment() -> dict[str, str]:
    """What the worker inherits: not the bot's tokens, which it has no use for.

    Nor the operator's proxy settings: the worker's only proxy is its fetch
    guard, which must resolve and check every host itself (`no_proxy` in
    particular would let hosts around it).
    """
    return {
        key: value
        for key, value in os.environ.items()
        if key in _PASSED_ENV or key.startswith("LC_")
    }


@dataclass(frozen=True, slots=True)
class WorkerOutcome:
    """Either `done` (file metadata) or `reason` + `detail`."""

    done: dict[str, Any] | None = None
    reason: str | None = None
    detail: str = ""
    info: dict[str, Any] = field(default_factory=dict)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _tail(log_path: Path) -> str:
    try:
        with log_path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(handle.tell() - STDERR_TAIL, 0))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


async def run_worker(
    spec: JobSpec,
    timeout: float,
    on_progress: Callable[[dict[str, Any]], Awaitable[None]],
    python: str = sys.executable,
) -> WorkerOutcome:
    """Run the worker for one clip; its stderr goes to `worker.log` in the job folder."""
    log_path = Path(spec.folder) / "worker.log"
    deadline = time.monotonic() + timeout
    with log_path.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            python,
            "-m",
            "bot.archive.worker",
            spec.to_arg(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=worker_environment(),
            start_new_session=True,
        )
    assert proc.stdout is not None
    outcome: WorkerOutcome | None = None
    info: dict[str, Any] = {}
    try:
        while outcome is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                outcome = WorkerOutcome(reason=FailReason.TIMEOUT.value, detail=f"{timeout:.0f} s")
                break
            try:
                line = await asyncio.wait_for(proc.stdout.readline(), remaining)
            except TimeoutError:
                continue
            if not line:
                break
            try:
                event = json.loads(line)
            except ValueError:
                log.warning("clip %d: worker wrote a non-event line", spec.clip_id)
                continue
            kind = event.get("event")
            if kind == "progress":
                await on_progress(event)
            elif kind == "info":
                info = event
            elif kind == "done":
                outcome = WorkerOutcome(done=event, info=info)
            elif kind == "error":
                outcome = WorkerOutcome(
                    reason=str(event.get("reason") or FailReason.FAILED.value),
                    detail=str(event.get("detail") or ""),
                    info=info,
                )
    finally:
        _kill_group(proc.pid)
        await proc.wait()
    if outcome is None:
        tail = _tail(log_path).strip().splitlines()
        detail = tail[-1] if tail else f"exit status {proc.returncode}"
        log.warning("clip %d: worker ended without a result: %s", spec.clip_id, detail)
        outcome = WorkerOutcome(reason=FailReason.FAILED.value, detail=detail[:300], info=info)
    return outcome
