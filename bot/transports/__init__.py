"""One package per platform behind one small interface."""

from bot.transports.base import (
    DeliveryError,
    Inbox,
    PermanentError,
    PlatformLimits,
    RateLimited,
    TransientError,
    Transport,
    TransportStartError,
    Undeliverable,
)

__all__ = [
    "DeliveryError",
    "Inbox",
    "PermanentError",
    "PlatformLimits",
    "RateLimited",
    "TransientError",
    "Transport",
    "TransportStartError",
    "Undeliverable",
]
