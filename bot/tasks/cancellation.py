"""A cancelled alert's copies, corrected in bounded batches that survive a restart.

A national alert has 151,000 copies (its rooms and its subscribers' private
messages). Correcting them all inside `/cancel` held the database's only
writer for half a minute, and every other command waited behind it. So the
command corrects the first `BATCH` copies (a small alert's all of them; a big
one's rooms, which were queued first) and answers at once. The rest is a
durable timer, `alert.cancel`: each firing corrects the next `BATCH` copies in
its own short transaction and promises the next firing with the position it
reached. The corrected rows, the firing's mark and the next promise commit
together, so after a stop or a crash the work goes on from where it was, and
no copy is edited twice. When the last batch is done, whoever cancelled is
told how many copies were corrected.

A copy not yet handed to its platform is rewritten in place, even one a
delivery worker has claimed but not been cleared to send (it reloads the new
text when it asks for the go-ahead, see `bot.domain.stoppable`); one already
sent (or on its way) gets an edit, which the delivery engine sends once the
original has landed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.domain.alerts import Alert, alert_subject
from bot.domain.messages import OutgoingMessage, Target, TargetKind
from bot.domain.timers import Firing
from bot.i18n import LANGS, count, pick_lang, spans
from bot.scheduler import schedule
from bot.store.outbox import CopyRef, Priority
from bot.store.transaction import Tx
from bot.tasks import cards
from bot.tasks.setup import TaskSetup

log = logging.getLogger(__name__)

KIND = "alert.cancel"
"""Correct the next batch of a cancelled alert's copies (filed under `alert:<id>`)."""
BATCH = 500
"""Copies corrected per transaction: a few milliseconds of the writer each."""


@dataclass(frozen=True, slots=True)
class Correction:
    """Where a correction stands after a batch."""

    fixed: int
    """Copies corrected so far."""
    after: int
    """The last outbox row looked at: the next batch starts after it."""
    done: bool


async def start(
    tx: Tx, setup: TaskSetup, alert: Alert, told: Target, lang: str, now: float
) -> Correction:
    """In the `/cancel` command's transaction: correct the first batch and, if copies are
    left, promise the rest (`told`, in `lang`, hears when it is all done)."""
    correction = await _batch(tx, setup, alert, Correction(0, 0, False), now)
    if not correction.done:
        await _promise(tx, alert, correction, told, lang, now)
    return correction


async def _batch(
    tx: Tx, setup: TaskSetup, alert: Alert, since: Correction, now: float
) -> Correction:
    rows = await tx.outbox.copies_after(alert_subject(alert.id), since.after, BATCH)
    rendered = {lang: cards.render_alert(alert, [], lang, setup.timezone, now) for lang in LANGS}
    rewrite: list[tuple[int, OutgoingMessage]] = []
    edit: list[tuple[CopyRef, OutgoingMessage, str | None]] = []
    unstarted = {row.id: row for row in rows if _unstarted(row)}
    for row in rows:
        lang = pick_lang(row.lang, setup.default_lang)
        if row.id in unstarted:
            rewrite.append((row.id, rendered[lang]))
        elif row.status in ("pending", "sending", "sent"):
            edit.append((row, rendered[lang], lang))
    rewritten = await tx.outbox.rewrite_unstarted(rewrite)
    # Cleared to go by a worker of another process between the read and the rewrite:
    # on its way with the old text, so it gets an edit like a copy already out.
    for row_id, _ in rewrite:
        if row_id not in rewritten:
            row = unstarted[row_id]
            lang = pick_lang(row.lang, setup.default_lang)
            edit.append((row, rendered[lang], lang))
    await tx.outbox.enqueue_edits(edit, Priority.ALERT, subject=alert_subject(alert.id))
    return Correction(
        since.fixed + len(rewrite) + len(edit),
        rows[-1].id if rows else since.after,
        len(rows) < BATCH,
    )


def _unstarted(row: CopyRef) -> bool:
    """Queued, or claimed by a worker that has not been cleared to send it: rewritten in
    place, the worker picks the new text up before the send (`bot.domain.stoppable`)."""
    if row.parts_sent:
        return False
    return row.status == "pending" or (row.status == "sending" and not row.started)


async def _promise(
    tx: Tx, alert: Alert, correction: Correction, told: Target, lang: str, now: float
) -> None:
    payload: dict[str, Any] = {
        "after": correction.after,
        "fixed": correction.fixed,
        "told": [told.platform, told.kind.value, told.address],
        "lang": lang,
    }
    await schedule(tx, KIND, alert_subject(alert.id), now, payload)


class Corrections:
    """The handler of `alert.cancel` timers, registered with the timer service."""

    def __init__(self, setup: TaskSetup) -> None:
        self._setup = setup

    async def fire(self, tx: Tx, firing: Firing) -> None:
        _, _, number = firing.timer.subject.partition(":")
        alert = await tx.alerts.get(int(number)) if number.isdigit() else None
        if alert is None:
            return  # deleted since: nothing left to correct
        payload = firing.timer.payload
        since = Correction(int(payload.get("fixed", 0)), int(payload.get("after", 0)), False)
        correction = await _batch(tx, self._setup, alert, since, firing.now)
        platform, kind, address = payload["told"]
        told = Target(str(platform), TargetKind(kind), str(address))
        lang = pick_lang(str(payload.get("lang")), self._setup.default_lang)
        if not correction.done:
            await _promise(tx, alert, correction, told, lang, firing.now)
            return
        log.info("alert %d: cancellation done, %d copies corrected", alert.id, correction.fixed)
        copies = count(lang, "count.copies", correction.fixed)
        done = OutgoingMessage(spans(lang, "alert.cancel_done", id=alert.short_id, copies=copies))
        await tx.outbox.enqueue(told, done, Priority.REPLY, lang=lang)
