"""The pure rules of tasks and escalation, walked with a clock of the test's own."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain import Alert, AlertAck, Grant, Member, Role, TagAliases
from bot.domain.durations import DurationError, format_elapsed, parse_duration
from bot.domain.escalation import Escalation, Step, StepAction, plan_steps, step_due, steps_due
from bot.domain.tasks import (
    Task,
    TaskError,
    TaskEvent,
    TaskEventKind,
    TaskKind,
    TaskStatus,
    coordinators_for,
    in_scope,
    member_scopes,
    next_candidates,
    parse_task_request,
)
from bot.domain.timeline import ArchivedClip, Milestone, alert_clock
from tests.fakes.clock import FakeClock

PARIS = "Europe/Paris"
# 2026-03-10 20:47 in Paris.
EVENING = datetime(2026, 3, 10, 20, 47, tzinfo=ZoneInfo(PARIS)).timestamp()
REMIND = StepAction.REMIND_ROOMS
COORDS = StepAction.DM_COORDINATORS
SUBS = StepAction.DM_SUBSCRIBERS


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("5min", 300), ("1h", 3600), ("1h30m", 5400), ("2j", 172_800)],
)
def test_durations_accept_seconds_minutes_hours_and_days(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30", "1h30", "0s", "", "abc", "5 minutes", "-5m", "9999999h"])
def test_durations_refuse_what_is_ambiguous_empty_or_absurd(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_elapsed_reads_well_on_a_phone() -> None:
    assert [format_elapsed(s) for s in (12, 720, 3_900, 190_000)] == [
        "12 s",
        "12 min",
        "1 h 05",
        "52 h 46",
    ]


def test_task_request_knows_kinds_in_both_languages_and_keeps_free_text() -> None:
    assert parse_task_request("riposte", EVENING, PARIS).kind is TaskKind.REBUTTAL
    assert parse_task_request("share Partager le billet", EVENING, PARIS).text == (
        "Partager le billet"
    )
    free = parse_task_request("Traduire l'alerte en anglais #dept:069", EVENING, PARIS)
    assert (free.kind, free.text, free.scope) == (
        TaskKind.OTHER,
        "Traduire l'alerte en anglais",
        ("dept:069",),
    )


def test_due_is_a_delay_a_time_today_or_tomorrow_in_the_network_zone() -> None:
    assert parse_task_request("clip due 30m", EVENING, PARIS).due_at == EVENING + 1800
    assert parse_task_request("clip due 90s", EVENING, PARIS).due_at == EVENING + 90
    at_2130 = datetime(2026, 3, 10, 21, 30, tzinfo=ZoneInfo(PARIS)).timestamp()
    assert parse_task_request("clip due 21:30", EVENING, PARIS).due_at == at_2130
    assert parse_task_request("clip due 21h30", EVENING, PARIS).due_at == at_2130
    tomorrow = parse_task_request("riposte Répondre due demain 08:00", EVENING, PARIS)
    assert tomorrow.text == "Répondre"
    assert tomorrow.due_at == datetime(2026, 3, 11, 8, 0, tzinfo=ZoneInfo(PARIS)).timestamp()
    # "avant" is a due time only when a time follows it; otherwise it is text.
    loose = parse_task_request("riposte Répondre avant le débat", EVENING, PARIS)
    assert (loose.text, loose.due_at) == ("Répondre avant le débat", None)
    assert parse_task_request("riposte avant 21:30", EVENING, PARIS).due_at == at_2130


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("clip due 20:00", "task.due_past"),
        ("clip due 0s", "task.bad_due"),
        ("clip due bientôt", "task.bad_due"),
        ("clip due", "task.bad_due"),
        ("clip due 60j", "task.due_too_far"),
        ("clip due 5m due 10m", "task.two_dues"),
        ("", "task.no_text"),
        ("#dept:069", "task.no_text"),
        ("clip #bad!tag!", "task.bad_tag"),
        ("x" * 400, "task.too_long"),
    ],
)
def test_bad_task_requests_name_what_is_wrong(text: str, key: str) -> None:
    with pytest.raises(TaskError) as error:
        parse_task_request(text, EVENING, PARIS)
    assert error.value.key == key


def test_plan_repeats_the_last_step_spaced_like_the_last_two_at_most_five_times() -> None:
    steps = (Step(300, REMIND), Step(900, COORDS))
    plan = plan_steps(steps, repeat=2)
    assert [(p.offset, p.action, p.repetition) for p in plan] == [
        (300, REMIND, 0),
        (900, COORDS, 0),
        (1500, COORDS, 1),
        (2100, COORDS, 2),
    ]
    assert len(plan_steps(steps, repeat=50)) == 2 + 5
    assert [p.offset for p in plan_steps((Step(60, REMIND),), repeat=2)] == [60, 120, 180]
    assert plan_steps((), repeat=3) == ()


def test_escalation_walked_with_a_test_clock_fires_each_step_in_order() -> None:
    clock = FakeClock(EVENING)
    opened = clock()
    plan = plan_steps((Step(90, REMIND), Step(180, COORDS), Step(600, SUBS)), repeat=0)
    seen: list[StepAction] = []
    last = -1
    for _ in range(12):
        clock.advance(60)
        for step in steps_due(opened, plan, last, clock()):
            seen.append(step.action)
            last = step.index
    assert seen == [REMIND, COORDS, SUBS]
    assert step_due(opened, plan, 1) == opened + 180
    assert step_due(opened, plan, 3) is None


def test_scope_steps_win_over_the_network_ones_through_aliases() -> None:
    rules = Escalation(
        steps=(Step(300, REMIND),),
        scopes=(("dept:069", (Step(60, COORDS),)),),
    )
    aliases = TagAliases({"lyon": "dept:069"})
    assert rules.steps_for(("lyon",), aliases) == (Step(60, COORDS),)
    assert rules.steps_for(("dept:075",), aliases) == (Step(300, REMIND),)
    assert rules.steps_for((), aliases) == (Step(300, REMIND),)


def _member(member_id: int, *grants: Grant, subscriptions: tuple[str, ...] = ()) -> Member:
    return Member(
        member_id, f"m{member_id}", None, True, "fake", (), grants, subscriptions=subscriptions
    )


def test_scope_of_a_member_is_what_they_follow_hold_and_where_they_speak() -> None:
    aliases = TagAliases()
    bob = _member(2, Grant(Role.MEMBER), subscriptions=("dept:075",))
    assert in_scope(("dept:075",), member_scopes(bob), aliases)
    assert not in_scope(("dept:069",), member_scopes(bob), aliases)
    assert in_scope(("dept:069",), member_scopes(bob, ("dept:069",)), aliases)
    assert in_scope((), member_scopes(bob), aliases)  # network-wide work is everyone's


def test_a_member_belongs_to_the_scope_they_were_admitted_in() -> None:
    aliases = TagAliases({"lyon": "dept:069"})
    lea = Member(7, "lea", None, True, "fake", (), (Grant(Role.MEMBER),), scope=("dept:069",))
    assert in_scope(("lyon",), member_scopes(lea), aliases)
    assert not in_scope(("dept:075",), member_scopes(lea), aliases)


def test_coordinators_of_the_scope_first_else_the_network_ones() -> None:
    aliases = TagAliases()
    nadia = _member(3, Grant(Role.COORDINATOR, "dept:069"))
    claire = _member(4, Grant(Role.COORDINATOR))
    paris = _member(5, Grant(Role.ADMIN, "dept:075"))
    everyone = [nadia, claire, paris]
    assert coordinators_for(everyone, ("dept:069",), aliases) == [nadia]
    assert coordinators_for(everyone, ("theme:x",), aliases) == [claire]
    assert coordinators_for(everyone, (), aliases) == [claire]


def test_coordinators_reached_cover_every_tag_of_the_task() -> None:
    aliases = TagAliases({"lyon": "dept:069"})
    paris = _member(3, Grant(Role.COORDINATOR, "dept:075"))
    lyon = _member(4, Grant(Role.COORDINATOR, "lyon"))
    both = _member(5, Grant(Role.COORDINATOR, "dept:069"), Grant(Role.ADMIN, "dept:075"))
    claire = _member(6, Grant(Role.COORDINATOR, "national"))
    scope = ("dept:075", "dept:069")
    assert coordinators_for([paris, lyon, both, claire], scope, aliases) == [both]
    # Nobody holds both: the network's coordinators, not half-right ones.
    assert coordinators_for([paris, lyon, claire], scope, aliases) == [claire]
    assert coordinators_for([paris, lyon, claire], ("lyon",), aliases) == [lyon]


def _task(task_id: int, kind: TaskKind, status: TaskStatus = TaskStatus.OPEN) -> Task:
    return Task(task_id, kind, "", 1, (), status, 1, "alice", "fake", "#p", False, "#p", 0, 0)


def test_next_offers_open_work_oldest_first_then_late_work() -> None:
    tasks = [
        _task(1, TaskKind.CLIP, TaskStatus.EXPIRED),
        _task(2, TaskKind.REBUTTAL, TaskStatus.CLAIMED),
        _task(3, TaskKind.REBUTTAL),
        _task(4, TaskKind.CLIP),
    ]
    assert [t.id for t in next_candidates(tasks, None)] == [3, 4, 1]
    assert [t.id for t in next_candidates(tasks, TaskKind.CLIP)] == [4, 1]


def test_clock_says_how_long_after_the_alert_each_thing_happened() -> None:
    raised = datetime.fromtimestamp(EVENING, UTC)
    alert = Alert(
        1,
        "Député X",
        None,
        (),
        1,
        "alice",
        "fake",
        "#p",
        "#p",
        False,
        raised,
        acks=(AlertAck(2, "bob", datetime.fromtimestamp(EVENING + 120, UTC)),),
    )
    clip, rebuttal = _task(1, TaskKind.CLIP), _task(2, TaskKind.REBUTTAL)
    events = [
        TaskEvent(2, EVENING + 180, TaskEventKind.CLAIMED, 3, "paul"),
        TaskEvent(2, EVENING + 3180, TaskEventKind.DONE, 3, "paul", "https://blog"),
        TaskEvent(1, EVENING + 400, TaskEventKind.ESCALATED, None, None),
    ]
    clock = alert_clock(alert, [clip, rebuttal], events, ArchivedClip("K17", EVENING + 360))
    assert [e.what for e in clock.entries] == [
        Milestone.RAISED,
        Milestone.FIRST_ACK,
        Milestone.CLAIMED,
        Milestone.CLIP_ARCHIVED,
        Milestone.DONE,
    ]
    assert clock.firsts == {"ack": 120, "clip": 360, "rebuttal": 3180}
