"""`[alerts] auto_tasks` and `[escalation]`: read once, every mistake named by its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.escalation import Step, StepAction

GOOD = """
[alerts]
auto_tasks = ["clip", "riposte"]

[escalation]
repeat = 2
release_after = "90s"
ask_again_after = 600

[[escalation.steps]]
after = "5m"
then = "remind rooms"

[[escalation.steps]]
after = "15m"
then = "dm coordinators"

[[escalation."Dept:069".steps]]
after = "30s"
then = "dm subscribers of the scope"
"""

BAD = """
[alerts]
auto_tasks = ["clip", "dance"]

[escalation]
repeat = 7
release_after = "bientôt"
typo = 1

[[escalation.steps]]
after = "15m"
then = "remind rooms"

[[escalation.steps]]
after = "5m"
then = "dm everyone"

[[escalation."not a tag!".steps]]
after = "30s"
then = "remind rooms"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "riposte.toml"
    path.write_text("[console]\nenabled = true\n" + text, encoding="utf-8")
    return path


def test_escalation_per_network_and_per_scope_with_durations_in_seconds(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, GOOD))
    rules = settings.escalation
    assert settings.alerts.auto_tasks == ("clip", "riposte")
    assert rules.steps == (
        Step(300, StepAction.REMIND_ROOMS),
        Step(900, StepAction.DM_COORDINATORS),
    )
    assert rules.scopes == (("dept:069", (Step(30, StepAction.DM_SUBSCRIBERS),)),)
    assert (rules.repeat, rules.release_after, rules.ask_again_after) == (2, 90, 600)


def test_every_escalation_mistake_is_named_by_its_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, BAD))
    problems = "\n".join(error.value.problems)
    assert 'alerts.auto_tasks[1]: expected "clip", "rebuttal" or "share", got "dance"' in problems
    assert "escalation.repeat: expected an integer from 0 to 5, got 7" in problems
    assert 'escalation.release_after: expected a duration such as "90s"' in problems
    assert "escalation.typo: unknown key" in problems
    assert "escalation.steps[1].then: expected one of" in problems
    assert 'escalation."not a tag!": expected a scope tag' in problems
