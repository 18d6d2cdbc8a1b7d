"""Which deliveries a cancellation may still stop once a delivery worker has claimed them.

`cancel A17` and `unpush P3` act in one transaction on what is in the store,
but a worker holds up to a few thousand claimed rows in memory. For the
subjects below, a worker asks the store for the go-ahead of each row (in
batches, a little ahead of sending) and drops the rows a cancellation
reached first; a row cleared to go counts as on its way for the canceller.
Edits are never stopped: they correct what is already out.
"""

from __future__ import annotations

STOPPABLE_PREFIXES = ("alert:", "push-run:", "push-kit:")
"""Outbox subjects of an alert's relayed copies, of a push run's room copies (and
their videos) and of its share kits: `bot.domain.alerts.alert_subject`,
`PushRun.subject`, `bot.pushes.kits.kit_subject`."""


def stoppable(subject: str | None, edit_of: int | None) -> bool:
    """A copy a cancellation may still stop: it needs the go-ahead before its send."""
    return edit_of is None and subject is not None and subject.startswith(STOPPABLE_PREFIXES)
