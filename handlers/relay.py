"""An alert's copies: to the rooms and subscribers of its scope, once raised, and to those
of the tags it gains when the same link is alerted for more of the network.

Both write every copy in the command's transaction and count what the receipt
announces; the counts are kept on the alert so that `stats A17` says the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands import Context
from bot.digests import DigestSetup, plan_releases, quiet_now
from bot.domain import NATIONAL, Alert, Target, is_network_wide, plan_fanout
from bot.domain.alerts import alert_subject
from bot.domain.tasks import Task
from bot.i18n import LANGS, pick_lang
from bot.store import Priority
from bot.store.fanout import Holding
from bot.tasks import cards


@dataclass(frozen=True, slots=True)
class Reach:
    rooms: int
    members: int
    """Private copies, subscribers reached by a role mention, and digests to come."""
    held: int
    """Of `members`, those who get it in a digest (quiet hours, daily digest)."""
    unreachable: int


async def relay(
    ctx: Context,
    alert: Alert,
    tasks: list[Task],
    *,
    leave_out: Target,
    reached: tuple[str, ...] | None = None,
) -> Reach:
    """Queue the alert's card for every linked room and subscriber of its scope.

    `leave_out`: the room that saw it raised. `reached`: the scope the alert had
    before it was widened; the rooms that have a copy and the subscribers of that
    scope are left out.
    """
    aliases, zone, now = ctx.aliases, ctx.network.timezone, ctx.clock()
    subject = alert_subject(alert.id)
    plan = plan_fanout(
        alert.scope, await ctx.tx.rooms.all(), (), aliases, leave_out, ctx.member.id
    )
    rooms = list(plan.rooms)
    if reached is not None:
        have = {copy.target for copy in await ctx.tx.outbox.room_copies(subject)}
        rooms = [r for r in rooms if r.target not in have]
    rendered = {lang: cards.render_alert(alert, tasks, lang, zone, now) for lang in LANGS}
    rows = []
    for recipient in rooms:
        lang = pick_lang(recipient.lang, ctx.network.lang)
        rows.append((recipient.target, rendered[lang], lang))
    await ctx.tx.outbox.enqueue_many(rows, Priority.ALERT, subject=subject)
    digests = DigestSetup.of(ctx.settings, ctx.platforms)
    holding = Holding(
        alert_id=alert.id,
        now=now,
        network_tz=zone,
        quiet_active=await quiet_now(ctx.tx, digests, now) if not alert.urgent else (),
        urgent=alert.urgent,
    )
    scope = aliases.canonical_set(alert.scope)
    wide = is_network_wide(alert.scope, aliases)
    before = aliases.canonical_set(reached) if reached is not None else None
    members = await ctx.tx.fanout.enqueue_for_subscribers(
        scope=scope,
        network_wide=wide,
        national=NATIONAL,
        author_member_id=ctx.member.id,
        messages=rendered,
        default_lang=ctx.network.lang,
        no_dm_platforms=ctx.no_dm_platforms,
        priority=Priority.ALERT,
        subject=subject,
        holding=holding,
        reached=before,
    )
    await plan_releases(ctx.tx, members.held_windows, now)
    # Subscribers of platforms without DMs (Discord) are reached by the role their scope
    # mentions in those rooms: counted when one of the rooms there gets the alert.
    in_rooms = await ctx.tx.fanout.count_notified_in_rooms(
        scope=scope,
        network_wide=wide,
        national=NATIONAL,
        author_member_id=ctx.member.id,
        platforms={r.target.platform for r in rooms} & ctx.no_dm_platforms,
        no_dm_platforms=ctx.no_dm_platforms,
        reached=before,
    )
    reach = Reach(
        rooms=len(rooms),
        members=members.queued + in_rooms + members.held,
        held=members.held,
        unreachable=len(plan.unreachable_rooms) + members.unreachable,
    )
    await ctx.tx.alerts.add_reach(alert.id, reach.members, reach.held)
    return reach
