"""Durable outbox delivery: pacing, retries, crash recovery."""

from bot.delivery.engine import DeliveryEngine, backoff_delay
from bot.delivery.pacing import Pacer

__all__ = ["DeliveryEngine", "Pacer", "backoff_delay"]
