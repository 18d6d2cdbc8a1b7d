"""What tasks look like in a chat: the relayed alert with its tasks, lines, notices.

A relayed alert lists its tasks under the text, one line each with its state,
and a button per task still to take; every task change edits the room copies
with the same rendering, in each room's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.domain.alerts import Alert, AlertStatus
from bot.domain.durations import format_elapsed, format_local_time
from bot.domain.ids import Kind, format_id
from bot.domain.messages import Button, OutgoingMessage, Span
from bot.domain.tags import NATIONAL
from bot.domain.tasks import Task, TaskStatus
from bot.domain.timeline import AlertClock, Entry
from bot.i18n import spans, text, text_from

CARD_TEXT = 60
"""Characters of a task's text shown on a card line."""
RESULT_TEXT = 80


def kind_label(task: Task, lang: str) -> str:
    return text(lang, f"task.kind.{task.kind.value}")


def title(task: Task, lang: str) -> str:
    """`T5 (riposte, A17)`: how a task is named in every message."""
    if task.alert_id is None:
        return text(lang, "task.title_plain", id=task.short_id, kind=kind_label(task, lang))
    return text(
        lang,
        "task.title",
        id=task.short_id,
        kind=kind_label(task, lang),
        alert=format_id(Kind.ALERT, task.alert_id),
    )


def excerpt(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def result(task: Task) -> str | None:
    if task.result_url:
        return task.result_url
    if task.result_clip_id is not None:
        return format_id(Kind.CLIP, task.result_clip_id)
    if task.result_text:
        return excerpt(task.result_text, RESULT_TEXT)
    return None


def state(task: Task, lang: str, timezone: str, now: float) -> str:
    """`libre`, `pris par Paul, pour 21:30`, `fait par Léa : https://…`."""
    due = format_local_time(task.due_at, timezone, now) if task.due_at else None
    if task.status is TaskStatus.OPEN:
        return text(lang, "task.state.open_due", due=due) if due else text(lang, "task.state.open")
    if task.status is TaskStatus.CLAIMED:
        name = task.claimer_name or "?"
        if due:
            return text(lang, "task.state.claimed_due", name=name, due=due)
        return text(lang, "task.state.claimed", name=name)
    if task.status is TaskStatus.DONE:
        found = result(task)
        name = task.done_name or "?"
        if found:
            return text(lang, "task.state.done_result", name=name, result=found)
        return text(lang, "task.state.done", name=name)
    return text(lang, f"task.state.{task.status.value}")


def line(task: Task, lang: str, timezone: str, now: float) -> str:
    """`T5 · riposte : Répondre sur le blog — pris par Paul`."""
    kind, shown = kind_label(task, lang), state(task, lang, timezone, now)
    if task.text:
        return text(lang, "task.line_text", id=task.short_id, kind=kind,
                    text=excerpt(task.text, CARD_TEXT), state=shown)  # fmt: skip
    return text(lang, "task.line", id=task.short_id, kind=kind, state=shown)


def ack_button(lang: str, alert_id: str) -> Button:
    return Button(text(lang, "alert.ack_button"), f"/ack {alert_id}")


def claim_button(task: Task, lang: str) -> Button:
    label = text(lang, "task.claim_button", id=task.short_id, kind=kind_label(task, lang))
    return Button(label, f"/claim {task.short_id}")


def ask_buttons(task: Task, lang: str) -> tuple[Button, ...]:
    """Under "still on it?": yes (claiming what you hold confirms it) or let it go."""
    return (
        Button(text(lang, "task.yes_button"), f"/claim {task.short_id}"),
        Button(text(lang, "task.release_button"), f"/drop {task.short_id}"),
    )


def render_alert(
    alert: Alert, tasks: Sequence[Task], lang: str, timezone: str, now: float
) -> OutgoingMessage:
    """The relayed copy, in the recipient's language, with a line and a button per task.

    Cancelled copies lose their buttons and their tasks.
    """
    tags = "".join(f" #{tag}" for tag in alert.scope)
    key = "alert.relay" if alert.status is AlertStatus.OPEN else "alert.relay_cancelled"
    if alert.urgent and alert.status is AlertStatus.OPEN:
        key = "alert.relay_urgent"
    body = spans(
        lang,
        key,
        id=alert.short_id,
        author=alert.author_name,
        origin=alert.origin_label,
        text=alert.text,
        tags=tags,
    )
    if alert.status is not AlertStatus.OPEN:
        return OutgoingMessage(body)
    lines = tuple(Span("\n" + line(task, lang, timezone, now)) for task in tasks)
    buttons = [ack_button(lang, alert.short_id)]
    buttons += [claim_button(task, lang) for task in tasks if task.is_takeable]
    # Where subscribers are notified in rooms (Discord roles), the scope says whom.
    return OutgoingMessage(body + lines, tuple(buttons), mention_tags=alert.scope or (NATIONAL,))


def scope_text(scope: Iterable[str], lang: str) -> str:
    tags = " ".join(f"#{tag}" for tag in scope)
    return tags or text(lang, "task.scope_network")


def with_late(message: tuple[Span, ...], lang: str, late: str | None) -> tuple[Span, ...]:
    """A timer that fired late says so: the bot was down at the time."""
    if late is None:
        return message
    return (*message, Span(" "), *spans(lang, "task.late", late=late))


def clock_line(clock: AlertClock, entry: Entry, lang: str, at: str) -> str:
    """One step of the rapid-response clock (`20:49 first ack: Marc (+2 min)`), `at` being
    its time as the reader shows times; each step's message takes the words it needs."""
    return text_from(
        lang,
        f"clock.{entry.what.value}",
        {
            "at": at,
            "after": format_elapsed(entry.at - clock.raised_at),
            "name": entry.who or "?",
            "task": title(entry.task, lang) if entry.task else "",
            "detail": f" — {entry.detail}" if entry.detail else "",
            "clip": entry.detail or "",
        },
    )
