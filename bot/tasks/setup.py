"""What task code needs to know about the network: its settings and its platforms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config import Settings
from bot.domain.escalation import Escalation
from bot.transports.base import PlatformLimits


@dataclass(frozen=True, slots=True)
class TaskSetup:
    settings: Settings
    limits: Mapping[str, PlatformLimits] = field(default_factory=dict)
    """Every running platform's limits: which can edit a sent message, which DM subscribers."""

    @property
    def default_lang(self) -> str:
        return self.settings.network.lang

    @property
    def timezone(self) -> str:
        return self.settings.network.timezone

    @property
    def escalation(self) -> Escalation:
        return self.settings.escalation

    def can_edit(self, platform: str) -> bool:
        limits = self.limits.get(platform)
        return limits is not None and limits.can_edit

    @property
    def no_dm_platforms(self) -> frozenset[str]:
        return frozenset(name for name, limits in self.limits.items() if not limits.notify_by_dm)
