"""Plain data and pure rules. Nothing here does I/O; everything here is tested without it."""

from bot.domain.alerts import (
    Alert,
    AlertAck,
    AlertDraft,
    AlertStatus,
    AlertTextError,
    parse_alert_text,
)
from bot.domain.fanout import FanoutPlan, Recipient, plan_fanout
from bot.domain.ids import Kind, ShortId, format_id, parse_short_id
from bot.domain.members import Identity, Member
from bot.domain.messages import (
    Button,
    Counted,
    IncomingMessage,
    OutgoingMessage,
    Phrase,
    SentRef,
    Span,
    Style,
    Target,
    TargetKind,
)
from bot.domain.roles import Grant, Role, has_role, highest_role
from bot.domain.rooms import Room
from bot.domain.scopes import (
    is_network_wide,
    roles_for_scope,
    scope_matches,
    subscription_matches,
)
from bot.domain.tags import (
    NATIONAL,
    InvalidTag,
    TagAliases,
    normalize_tag,
    normalize_tags,
    plan_alias,
)

__all__ = [
    "NATIONAL",
    "Alert",
    "AlertAck",
    "AlertDraft",
    "AlertStatus",
    "AlertTextError",
    "Button",
    "Counted",
    "FanoutPlan",
    "Grant",
    "Identity",
    "IncomingMessage",
    "InvalidTag",
    "Kind",
    "Member",
    "OutgoingMessage",
    "Phrase",
    "Recipient",
    "Role",
    "Room",
    "SentRef",
    "ShortId",
    "Span",
    "Style",
    "TagAliases",
    "Target",
    "TargetKind",
    "format_id",
    "has_role",
    "highest_role",
    "is_network_wide",
    "normalize_tag",
    "normalize_tags",
    "parse_alert_text",
    "parse_short_id",
    "plan_alias",
    "plan_fanout",
    "roles_for_scope",
    "scope_matches",
    "subscription_matches",
]
