"""What became of a run, target by target: for the room it was scheduled from, and `pushes`.

A run is reported once, as soon as every target is settled (each post sent,
failed or unknown, every room copy delivered or failed); a report timer
checks again with growing delays, and after a while reports what is still on
its way rather than keep the coordinators waiting.
"""

from __future__ import annotations

from bot.domain.content import Content
from bot.domain.durations import format_local_time
from bot.domain.messages import OutgoingMessage, Span
from bot.domain.pushes import Push, PushRun, PushTarget, RunOutcome, TargetState
from bot.i18n import count, pick_lang, spans, text, text_from
from bot.pushes.decisions import REPORT, push_origin
from bot.pushes.setup import PushSetup
from bot.scheduler import cancel, schedule
from bot.store.outbox import Priority
from bot.store.transaction import Tx

REPORT_DELAYS = (2.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0)
"""When a run is checked again after it fired: the last check reports whatever is left."""


async def outcome(tx: Tx, run: PushRun) -> RunOutcome:
    counts = await tx.pushes.copy_counts(run.subject)
    failed = counts.get("failed", 0) + counts.get("skipped", 0)
    return RunOutcome(
        rooms_sent=counts.get("sent", 0),
        rooms_failed=failed,
        rooms_waiting=counts.get("pending", 0) + counts.get("sending", 0),
        room_failures=tuple(await tx.pushes.copy_failures(run.subject)) if failed else (),
        targets=tuple(await tx.pushes.targets(run.id)),
    )


def target_line(target: PushTarget, lang: str) -> str:
    state = target.state.value
    if target.state is TargetState.SENT and target.reason:
        state = "sent_note"
    return text_from(
        lang,
        f"push.target.{state}",
        {"network": target.network.label, "url": target.url or "", "reason": target.reason or ""},
    )


def outcome_lines(result: RunOutcome, lang: str, kits: int) -> list[str]:
    lines: list[str] = []
    rooms = result.rooms_sent + result.rooms_failed + result.rooms_waiting
    if rooms:
        parts = [count(lang, "push.count.sent", result.rooms_sent)]
        if result.rooms_failed:
            parts.append(count(lang, "push.count.failed", result.rooms_failed))
        if result.rooms_waiting:
            parts.append(count(lang, "push.count.waiting", result.rooms_waiting))
        lines.append(text(lang, "push.rooms_line", parts=", ".join(parts)))
        for chat, error in result.room_failures:
            lines.append(text(lang, "push.room_failure", chat=chat, error=error[:120]))
    lines += [target_line(t, lang) for t in result.targets]
    if kits:
        lines.append(text(lang, "push.kits_line", kits=count(lang, "push.count.kits", kits)))
    if not lines:
        lines.append(text(lang, "push.nothing"))
    return lines


async def report(tx: Tx, setup: PushSetup, run: PushRun, *, final: bool, now: float) -> bool:
    """Send the run's report once it is settled (or `final`: whatever it is); True if sent."""
    found = await outcome(tx, run)
    if not (found.finished or final):
        return False
    if not await tx.pushes.mark_reported(run.id, now):
        return False
    push = await tx.pushes.get(run.push_id)
    content = await tx.content.get(push.content_id) if push else None
    if push is None or content is None:
        return False
    await cancel(tx, subject=run.subject, kind=REPORT)
    lang = pick_lang(push.lang, setup.default_lang)
    kits = len(await tx.pushes.kits_for_run(run.id))
    header = spans(
        lang,
        "push.report" if found.finished else "push.report_partial",
        id=push.short_id,
        content=content.short_id,
        at=format_local_time(run.due_at, setup.settings.network.timezone, now),
    )
    lines = outcome_lines(found, lang, kits)
    if push.targets.any_rooms and not (
        found.rooms_sent + found.rooms_failed + found.rooms_waiting
    ):
        # Rooms were asked for and none was there any more (unlinked since): said, not hidden.
        where = " ".join(f"#{t}" for t in push.targets.tags) or content.short_id
        lines.insert(0, text(lang, "push.rooms_vanished", targets=where))
    body = "\n".join(lines)
    message = OutgoingMessage((*header, Span("\n" + body)))
    await tx.outbox.enqueue(push_origin(push), message, Priority.TASK, lang=lang)
    return True


async def plan_report(tx: Tx, run: PushRun, now: float, attempt: int = 0) -> None:
    if attempt >= len(REPORT_DELAYS):
        return
    await schedule(
        tx, REPORT, run.subject, now + REPORT_DELAYS[attempt], {"run": run.id, "attempt": attempt}
    )


async def check(tx: Tx, setup: PushSetup, run_id: int, attempt: int, now: float) -> None:
    """The report timer: report if settled, else look again later (the last time: report)."""
    run = await tx.pushes.run(run_id)
    if run is None or run.reported_at is not None:
        return
    final = attempt + 1 >= len(REPORT_DELAYS)
    if not await report(tx, setup, run, final=final, now=now):
        await plan_report(tx, run, now, attempt + 1)


def describe_push(
    push: Push, content: Content, lang: str, zone: str, now: float, *, held: bool = False
) -> str:
    """`P3 · C4 « Le vrai chiffre… » → #retraites, mastodon · 25/03 08:00 (2/5)`; `held`:
    a run waits for a coordinator's decision (`push P3 now` or `unpush P3`)."""
    words = " ".join(push.targets.words()) or "rooms"
    preview = content.text.replace("\n", " ")
    if len(preview) > 40:
        preview = preview[:39] + "…"
    if push.status.value == "cancelled":
        when = text(lang, "push.when_cancelled", name=push.cancelled_name or "?")
    elif held:
        when = text(lang, "push.when_held")
    elif push.next_at is not None and push.status.value == "scheduled":
        when = format_local_time(push.next_at, zone, now)
    else:
        when = text(lang, "push.when_done")
    runs = f" ({push.runs_done}/{push.rule.count})" if push.rule.recurring else ""
    return text(
        lang,
        "push.list_line",
        id=push.short_id,
        content=content.short_id,
        preview=preview,
        targets=words,
        when=when,
        runs=runs,
    )
