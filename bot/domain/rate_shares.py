"""How delivery processes split a platform's overall rate between them.

Each process paces its own sends under its share; the rule keeps the shares
of all processes, counted as the platform sees them, within the limit:

- a process asking for sends gets an equal part of the limit among those
  asking (an idle process asks for nothing and holds nothing), and never more
  than what the others leave free;
- a share given up still counts for `window` seconds (its sends are still in
  the platform's sliding window): what it frees reaches others only then;
- a process that stopped renewing (it died) keeps counting until its lease
  ends plus one window.

So two processes under Telegram's 30 messages a second hold 15 each when both
are busy, 30 for one when the other is idle, and never 31 between them in any
second. Pure: the store keeps the rows, `bot/delivery/shares.py` the loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShareState:
    owner: str
    share: int
    wanted: int
    previous: int
    previous_until: float
    lease_until: float

    def counted(self, now: float) -> int:
        """Sends per window it may still be making, as the others must count them."""
        return max(self.share, self.previous if self.previous_until > now else 0)


def next_share(
    me: ShareState | None,
    owner: str,
    others: Sequence[ShareState],
    *,
    limit: int,
    wanted: int,
    now: float,
    window: float,
    lease_until: float,
) -> ShareState:
    """This process's share for the next renewal, given the others' rows."""
    alive = [o for o in others if o.lease_until >= now]
    contenders = [o for o in alive if o.wanted > 0]
    fair = limit // (1 + len(contenders)) if wanted > 0 else 0
    # What the others asking would get at most: the rest may be ours.
    theirs = sum(min(o.wanted, limit // (1 + len(contenders))) for o in contenders)
    target = min(wanted, max(fair, limit - theirs))
    available = limit - sum(o.counted(now) for o in others)
    share = max(0, min(target, available))
    current = me.share if me is not None else 0
    still = me.counted(now) if me is not None else 0
    if share < current:
        previous, previous_until = max(current, still), now + window
    elif me is not None and me.previous_until > now:
        previous, previous_until = me.previous, me.previous_until
    else:
        previous, previous_until = 0, 0.0
    return ShareState(owner, share, wanted, previous, previous_until, lease_until)
