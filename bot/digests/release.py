"""Releasing held alerts: the timers at the end of quiet hours and at digest time.

A release is a durable timer (`bot.scheduler`), one per distinct window and
zone (`digest:quiet:Europe/Paris|1380|420`), not one per member: at 07:00 one
timer releases the digests of every member whose quiet hours end then, in a
few statements. Whatever a release leaves held (members still in their
window, a bot that was down past the end) gets its next release promised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.config import Settings
from bot.digests.render import DigestRenderer
from bot.domain.members import Member
from bot.domain.quiet import (
    QuietWindow,
    active_quiet_keys,
    digest_key,
    holds,
    next_local,
    quiet_key,
)
from bot.domain.timers import Firing
from bot.scheduler import TimerService, schedule
from bot.store.digests import Released
from bot.store.outbox import Priority
from bot.store.transaction import Tx
from bot.transports.base import PlatformLimits

log = logging.getLogger(__name__)

RELEASE = "digest.release"
"""Release what is held for the members of one window (payload `daily`: [zone, minute])."""

Window = tuple[str, int | None, int | None, int | None]
"""(zone, quiet start, quiet end, daily digest minute), as the store reports them."""


@dataclass(frozen=True, slots=True)
class DigestSetup:
    network_tz: str
    default_lang: str
    no_dm_platforms: frozenset[str]

    @classmethod
    def of(cls, settings: Settings, limits: Mapping[str, PlatformLimits]) -> DigestSetup:
        return cls(
            settings.network.timezone,
            settings.network.lang,
            frozenset(name for name, lim in limits.items() if not lim.notify_by_dm),
        )


async def quiet_now(tx: Tx, setup: DigestSetup, now: float) -> tuple[str, ...]:
    """The quiet windows members use that are active now (a handful of distinct ones)."""
    windows = await tx.fanout.quiet_windows(setup.network_tz)
    return tuple(active_quiet_keys(windows, now))


async def release_due(
    tx: Tx,
    setup: DigestSetup,
    now: float,
    *,
    daily: tuple[str, int] | None = None,
    member_id: int | None = None,
    force: bool = False,
) -> Released:
    """Send the digests due now (see `DigestRepository.release`), then promise a release for
    whatever stays held."""
    released = await tx.digests.release(
        network_tz=setup.network_tz,
        quiet_active=await quiet_now(tx, setup, now),
        default_lang=setup.default_lang,
        no_dm_platforms=setup.no_dm_platforms,
        priority=Priority.DIGEST,
        render=DigestRenderer(now).spans,
        daily=daily,
        member_id=member_id,
        force=force,
    )
    await plan_releases(tx, await tx.digests.held_windows(setup.network_tz), now)
    return released


async def plan_releases(tx: Tx, windows: Iterable[Window], now: float) -> None:
    """A pending release for each window (none twice): the end of the quiet hours, or the
    next digest time."""
    for zone, start, end, digest in windows:
        if digest is not None:
            subject = f"digest:daily:{digest_key(zone, digest)}"
            due = next_local(now, zone, digest)
            payload: dict[str, object] = {"daily": [zone, digest]}
        elif start is not None and end is not None:
            window = QuietWindow(start, end)
            subject = f"digest:quiet:{quiet_key(zone, window)}"
            due = next_local(now, zone, end)
            payload = {}
        else:
            continue
        if not await tx.timers.pending_for(subject, RELEASE):
            await schedule(tx, RELEASE, subject, due, payload)


async def settle_member(
    tx: Tx, setup: DigestSetup, member: Member, now: float
) -> Released | None:
    """After a member changed their quiet hours, digest or zone: what waits for them is
    sent now if they no longer hold alerts, else at the end of their (new) window."""
    if not await tx.digests.held_count(member.id):
        return None
    if holds(member.prefs, now, setup.network_tz):
        prefs = member.prefs
        zone = prefs.zone(setup.network_tz)
        quiet = prefs.quiet
        await plan_releases(
            tx,
            [
                (
                    zone,
                    quiet.start if quiet and prefs.digest_at is None else None,
                    quiet.end if quiet and prefs.digest_at is None else None,
                    prefs.digest_at,
                )
            ],
            now,
        )
        return None
    return await release_due(tx, setup, now, member_id=member.id, force=True)


class DigestTimers:
    """The timer handler, registered with the `TimerService` at start."""

    def __init__(self, setup: DigestSetup) -> None:
        self._setup = setup

    def register(self, timers: TimerService) -> None:
        timers.register(RELEASE, self._fire)

    async def _fire(self, tx: Tx, firing: Firing) -> None:
        raw = firing.timer.payload.get("daily")
        daily = (str(raw[0]), int(raw[1])) if isinstance(raw, list) and len(raw) == 2 else None
        released = await release_due(tx, self._setup, firing.now, daily=daily)
        log.info(
            "digests %s: %d members, %d messages queued%s",
            firing.timer.subject,
            released.members,
            released.queued,
            f" ({firing.late_by:.0f}s late)" if firing.late_by > 60 else "",
        )
