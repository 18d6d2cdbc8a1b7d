"""The network the in-process task tests run in: three linked rooms, four vetted members."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.config import AlertsSettings
from bot.domain.escalation import Escalation, Step, StepAction
from tests.fakes.engines import rows
from tests.harness import Bot, running_bot

AUTO = AlertsSettings(auto_tasks=("clip", "rebuttal"))
STEPS = Escalation(
    steps=(
        Step(300, StepAction.REMIND_ROOMS),
        Step(900, StepAction.DM_COORDINATORS),
        Step(1200, StepAction.DM_SUBSCRIBERS),
    ),
    release_after=600,
    ask_again_after=900,
)


@asynccontextmanager
async def network(tmp_path: Path, **options: Any) -> AsyncIterator[Bot]:
    """#paris (dept:075, where alice raises alerts), #lyon (dept:069), #lille (dept:059);
    bob (M2) and dave (M3) asked to join in #lyon and #paris, carol (M4) in private, nadia
    (M5) in #paris, and alice (M1, the admin) accepted them all; carol follows dept:075
    privately, nadia coordinates dept:075."""
    options.setdefault("alerts", AUTO)
    async with running_bot(tmp_path, **options) as bot:
        for room, tag in (("#paris", "dept:075"), ("#lyon", "dept:069"), ("#lille", "dept:059")):
            await bot.say(room, "alice", f"/link {tag}")
        await bot.say("#lyon", "bob", "/join")
        await bot.say("#paris", "dave", "/join")
        await bot.say("carol", "carol", "/join", private=True)
        await bot.say("#paris", "nadia", "/join")
        for member in ("M2", "M3", "M4", "M5"):
            await bot.say("alice", "alice", f"/accept {member}", private=True)
        await bot.say("carol", "carol", "/subscribe dept:075", private=True)
        await bot.say("#paris", "alice", "/role @nadia coordinator dept:075")
        yield bot


def texts(bot: Bot, address: str, since: int = 0) -> list[str]:
    return bot.transport.texts_to(address)[since:]


def last(bot: Bot, address: str) -> str:
    return bot.transport.texts_to(address)[-1]


def task_rows(tmp_path: Path) -> dict[int, Any]:
    """The tasks table as it is, by id (columns by name), on the engine of the test."""
    return {row["id"]: row for row in rows(tmp_path, "SELECT * FROM tasks ORDER BY id")}
