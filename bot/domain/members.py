"""Members and their platform identities. One person may be on several platforms."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.ids import Kind, format_id
from bot.domain.quiet import NOTIFY_ALL, NotifyPrefs
from bot.domain.roles import Grant, Role, highest_role


class Standing(StrEnum):
    """Where a person stands with the network. Only MEMBER reaches others.

    UNKNOWN: never asked (or wrote to the bot only). PENDING: asked to join,
    waits for a coordinator. REFUSED and REMOVED: a coordinator said no, or
    ended the membership; only a coordinator brings them back (`accept`).
    """

    UNKNOWN = "unknown"
    PENDING = "pending"
    MEMBER = "member"
    REFUSED = "refused"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Identity:
    platform: str
    user_id: str
    display_name: str
    username: str | None = None
    dm_reachable: bool = False
    unreachable_reason: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    display_name: str
    lang: str | None
    joined: bool
    home_platform: str | None
    identities: tuple[Identity, ...] = field(default=())
    grants: tuple[Grant, ...] = field(default=())
    subscriptions: tuple[str, ...] = field(default=())
    standing: Standing = Standing.UNKNOWN
    """Always MEMBER when `joined`; otherwise why not (pending, refused, removed)."""
    sponsor_id: int | None = None
    """Who brought them in: the inviter of their code, or the coordinator who accepted them."""
    scope: tuple[str, ...] = field(default=())
    """The scope they came in through (the room's tags, the invitation's tags); its
    coordinators may remove them. Empty: network-wide."""
    prefs: NotifyPrefs = field(default_factory=NotifyPrefs)
    """Where private notifications go, quiet hours, digest, time zone."""
    joined_at: float | None = None

    def __post_init__(self) -> None:
        if self.joined and self.standing is not Standing.MEMBER:
            object.__setattr__(self, "standing", Standing.MEMBER)

    @property
    def is_pending(self) -> bool:
        return self.standing is Standing.PENDING

    @property
    def short_id(self) -> str:
        return format_id(Kind.MEMBER, self.id)

    @property
    def role(self) -> Role:
        return highest_role(self.grants)

    def identity_on(self, platform: str) -> Identity | None:
        return next((i for i in self.identities if i.platform == platform), None)

    def home_identity(self) -> Identity | None:
        """Where one private message goes: the platform they chose with `notify`, else the
        one they joined on first (with `notify all`, that first one too)."""
        chosen = self.prefs.notify
        if chosen is not None and chosen != NOTIFY_ALL:
            found = self.identity_on(chosen)
            if found is not None:
                return found
        if self.home_platform is not None:
            found = self.identity_on(self.home_platform)
            if found is not None:
                return found
        return self.identities[0] if self.identities else None

    def notify_identities(self) -> tuple[Identity, ...]:
        """Where alerts and digests go: every identity with `notify all`, else one, never
        one per identity."""
        if self.prefs.notify == NOTIFY_ALL:
            return self.identities
        home = self.home_identity()
        return (home,) if home is not None else ()


def effective_grants(
    stored: tuple[Grant, ...],
    identity_keys: tuple[str, ...],
    config_admins: frozenset[str],
    joined: bool,
) -> tuple[Grant, ...]:
    """Stored grants, plus what the config and joining give.

    Config admins are admins everywhere whatever the database says, so that a
    network can always recover its admin; joining makes one a member.
    """
    grants = list(stored)
    if any(key in config_admins for key in identity_keys):
        grants.append(Grant(Role.ADMIN))
    if joined:
        grants.append(Grant(Role.MEMBER))
    return tuple(grants)


def name_key(name: str) -> str:
    """A name as compared when someone is looked up: composed (NFC) and case-folded, so
    `@élodie` finds `Élodie` and a combining cedilla finds the precomposed `ç`."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
