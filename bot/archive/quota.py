"""The disk quota where the archive service meets the store: make room, or refuse and say so.

The rule itself (which files go, oldest unreferenced first, or none) is
`bot.domain.archive_space.plan_space`. Here: the decision and the rows are
written in the caller's transaction, the files are deleted only after it
commits (a crash in between leaves orphan files, which `orphan_files` finds
at the next start, never a clip pointing at a deleted file), and the admins
hear about a refusal at most once per `NOTICE_EVERY`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from bot.domain.archive_space import SpacePlan, plan_space, quota_bytes
from bot.domain.clips import Clip, format_size
from bot.domain.messages import OutgoingMessage, Target, TargetKind
from bot.i18n import pick_lang, spans
from bot.store.outbox import Priority
from bot.store.transaction import Tx

NOTICE_SUBJECT = "archive:full"
NOTICE_EVERY = 3600.0

__all__ = ["can_start", "make_room", "quota_bytes", "tell_admins_full"]


async def can_start(tx: Tx, quota: int) -> SpacePlan:
    """Before a download: is there room for one more byte, counting what could be freed?"""
    return plan_space(await tx.clips.archived_files(), 1, quota)


async def make_room(tx: Tx, sha256: str, size: int, quota: int) -> tuple[SpacePlan, list[str]]:
    """Room for a finished clip's file: expires what must go; the paths to delete after commit.

    Bytes already in the archive (another clip with the same sha256) need no room.
    """
    files = await tx.clips.archived_files()
    if any(f.sha256 == sha256 for f in files):
        # Adds no byte, so crosses nothing (even if a lowered quota is already crossed).
        return plan_space(files, 0, max(quota, sum(f.size for f in files))), []
    plan = plan_space(files, size, quota, keep=(sha256,))
    paths = await tx.clips.expire_files(plan.evict) if plan.fits else []
    return plan, paths


async def _admin_targets(
    tx: Tx, config_admins: Iterable[str], default_lang: str
) -> dict[Target, str]:
    targets: dict[Target, str] = {}
    for member in await tx.members.network_admins():
        identity = member.home_identity()
        if identity is not None:
            target = Target(identity.platform, TargetKind.USER, identity.user_id)
            targets[target] = pick_lang(member.lang, default_lang)
    for key in config_admins:
        platform, _, user_id = key.partition(":")
        targets.setdefault(Target(platform, TargetKind.USER, user_id), default_lang)
    return targets


async def tell_admins_full(
    tx: Tx,
    clip: Clip,
    plan: SpacePlan,
    quota: int,
    config_admins: Iterable[str],
    default_lang: str,
) -> int:
    """One private line to each network admin, unless one went out within the hour."""
    if await tx.clips.notice_sent_since(NOTICE_SUBJECT, time.time() - NOTICE_EVERY):
        return 0
    targets = await _admin_targets(tx, config_admins, default_lang)
    for target, lang in targets.items():
        message = OutgoingMessage(
            spans(
                lang,
                "archive.full_admin",
                used=format_size(plan.used),
                quota=format_size(quota),
                id=clip.short_id,
                requester=clip.requester_name,
            )
        )
        await tx.outbox.enqueue(target, message, Priority.ALERT, subject=NOTICE_SUBJECT, lang=lang)
    return len(targets)
