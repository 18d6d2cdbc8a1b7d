"""Who an alert goes to: rooms in scope and subscribed members, minus the origin."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.domain.members import Member
from bot.domain.messages import Target, TargetKind
from bot.domain.rooms import Room
from bot.domain.scopes import scope_matches, subscription_matches
from bot.domain.tags import TagAliases


@dataclass(frozen=True, slots=True)
class Recipient:
    target: Target
    lang: str | None
    room: Room | None = None
    member: Member | None = None


@dataclass(frozen=True, slots=True)
class FanoutPlan:
    rooms: tuple[Recipient, ...] = field(default=())
    members: tuple[Recipient, ...] = field(default=())
    unreachable_rooms: tuple[Room, ...] = field(default=())
    unreachable_members: tuple[Member, ...] = field(default=())
    notified_in_rooms: tuple[Member, ...] = field(default=())
    """Subscribers on a platform without DMs for this (Discord): reached by a role mention."""
    held: tuple[Member, ...] = field(default=())
    """Subscribers in their quiet hours (or taking a daily digest): the alert waits for
    their digest."""

    @property
    def recipients(self) -> tuple[Recipient, ...]:
        return self.rooms + self.members


def plan_fanout(
    scope: Iterable[str],
    rooms: Iterable[Room],
    subscribers: Iterable[Member],
    aliases: TagAliases,
    origin: Target,
    author_member_id: int,
    no_dm_platforms: frozenset[str] = frozenset(),
    holding: Callable[[Member], bool] = lambda member: False,
) -> FanoutPlan:
    """Rooms and members to deliver to, each once.

    The origin chat already saw the alert and the author knows what they wrote,
    so neither gets a copy. Rooms and people already known to be unreachable
    (bot kicked, DM never opened) are counted apart, not queued forever.
    Members whose home platform is in `no_dm_platforms` get no DM at all: that
    platform forbids unsolicited mass DMs, and its rooms notify them instead.

    A member gets one copy, where `notify` says (the platform they joined on
    first, unless they chose), or one per identity with `notify all`; never one
    per linked identity otherwise. A member `holding` alerts (quiet hours, daily
    digest) who could be reached gets nothing now: the alert waits for the digest.
    """
    scope = tuple(scope)
    room_recipients: list[Recipient] = []
    dead_rooms: list[Room] = []
    seen: set[Target] = {origin}
    for room in rooms:
        target = Target(room.platform, TargetKind.ROOM, room.chat_id)
        if target in seen or not scope_matches(scope, room.tags, aliases):
            continue
        seen.add(target)
        if room.unreachable_reason:
            dead_rooms.append(room)
        else:
            room_recipients.append(Recipient(target, room.lang, room=room))
    member_recipients: list[Recipient] = []
    dead_members: list[Member] = []
    in_rooms: list[Member] = []
    held: list[Member] = []
    for member in subscribers:
        if member.id == author_member_id or not member.joined:
            continue
        if not subscription_matches(scope, member.subscriptions, aliases):
            continue
        chosen = member.notify_identities()
        direct = [i for i in chosen if i.platform not in no_dm_platforms]
        reachable = [i for i in direct if i.dm_reachable and not i.unreachable_reason]
        if not reachable:
            if len(direct) < len(chosen):
                in_rooms.append(member)
            else:
                dead_members.append(member)
            continue
        if holding(member):
            held.append(member)
            continue
        for identity in reachable:
            target = Target(identity.platform, TargetKind.USER, identity.user_id)
            if target in seen:
                continue
            seen.add(target)
            member_recipients.append(Recipient(target, member.lang, member=member))
    return FanoutPlan(
        tuple(room_recipients),
        tuple(member_recipients),
        tuple(dead_rooms),
        tuple(dead_members),
        tuple(in_rooms),
        tuple(held),
    )
