"""Coming in: join requests, invitation codes and the cascade of who brought whom. No I/O.

Reach follows trust. A stranger's `join` waits for a coordinator; a member's
invitation code admits at once, and the inviter becomes the sponsor. The
sponsor links form a tree (the cascade) that coordinators read as counts per
level.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.members import Standing

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: codes are read aloud and typed on phones."""
CODE_LENGTH = 10
"""31^10 ≈ 8e14 codes; with a handful of wrong tries allowed per hour, never guessed."""
_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
MAX_CASCADE_DEPTH = 64
"""Levels counted under someone; deeper than any real network, and a bound on loops."""


def new_invite_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """What a person typed or the deep link carried, as a code; None if it cannot be one.

    Case, spaces and dashes do not matter (`k7qx-m2pa 9z` is `K7QXM2PA9Z`).
    """
    compact = re.sub(r"[\s\-_]", "", raw).upper()
    return compact if _CODE.match(compact) else None


def code_digest(code: str) -> str:
    """Codes are stored hashed: the invitations table alone admits nobody."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


class JoinOutcome(StrEnum):
    ADMIT = "admit"
    """A member at once."""
    REQUEST = "request"
    """A pending request, decided by a coordinator."""
    ALREADY = "already"
    WAITING = "waiting"
    """Already asked: no second request, no second notification."""
    CLOSED = "closed"
    """Refused or removed earlier: only a coordinator brings them back."""


def decide_join(
    standing: Standing,
    *,
    identified: bool,
    open_join: bool,
    trust_linked_rooms: bool,
    in_linked_room: bool,
) -> JoinOutcome:
    """What a plain `join` (without a code) does for this person, here.

    `open_join` admits everyone; `trust_linked_rooms` admits whoever asks in a
    linked room (the platform's own room membership is the vetting). A person
    the platform cannot vouch for (an IRC nick without a services account) is
    never admitted automatically.
    """
    if standing is Standing.MEMBER:
        return JoinOutcome.ALREADY
    if standing is Standing.PENDING:
        return JoinOutcome.WAITING
    if standing in (Standing.REFUSED, Standing.REMOVED):
        return JoinOutcome.CLOSED
    if identified and (open_join or (trust_linked_rooms and in_linked_room)):
        return JoinOutcome.ADMIT
    return JoinOutcome.REQUEST


@dataclass(frozen=True, slots=True)
class Invitation:
    id: int
    inviter_id: int
    tags: tuple[str, ...]
    created_at: float
    expires_at: float
    used_by: int | None = None
    used_at: float | None = None
    revoked_at: float | None = None


def invitation_problem(invitation: Invitation | None, now: float) -> str | None:
    """Why a code cannot admit anyone (an i18n key), or None when it can."""
    if invitation is None:
        return "invite.unknown"
    if invitation.used_by is not None:
        return "invite.used"
    if invitation.revoked_at is not None:
        return "invite.revoked"
    if invitation.expires_at <= now:
        return "invite.expired"
    return None


def cascade_levels(
    children: Mapping[int, Sequence[int]], root: int, max_depth: int = MAX_CASCADE_DEPTH
) -> list[int]:
    """How many people each level under `root` holds: [brought in by root, by those, ...].

    Each person is counted once, at the first level they appear, so a loop in
    the data (someone re-accepted under their own recruit) cannot inflate it.
    """
    seen = {root}
    level = [root]
    counts: list[int] = []
    for _ in range(max_depth):
        following = [c for parent in level for c in children.get(parent, ()) if c not in seen]
        following = list(dict.fromkeys(following))
        if not following:
            break
        seen.update(following)
        counts.append(len(following))
        level = following
    return counts


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """A pending `join`: who, since when, and where to give the answer."""

    member_id: int
    name: str
    platform: str
    chat_id: str
    private: bool
    scope: tuple[str, ...]
    """The tags of the room it was made in (empty: in private, or an untagged room)."""
    requested_at: float
    verified: bool = True
    """False when the platform could not vouch for the person (an IRC nick without account)."""
