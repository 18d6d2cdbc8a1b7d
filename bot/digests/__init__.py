"""Digests: alerts held during quiet hours (or for a daily digest), released as one message."""

from bot.digests.release import (
    RELEASE,
    DigestSetup,
    DigestTimers,
    plan_releases,
    quiet_now,
    release_due,
    settle_member,
)
from bot.digests.render import render_digest

__all__ = [
    "RELEASE",
    "DigestSetup",
    "DigestTimers",
    "plan_releases",
    "quiet_now",
    "release_due",
    "render_digest",
    "settle_member",
]
