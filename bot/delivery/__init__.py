"""Durable outbox delivery: pacing, coalescing, priorities, retries, crash recovery."""

from bot.delivery.coalesce import merge
from bot.delivery.engine import DeliveryEngine
from bot.delivery.limits import Pacer, SlidingWindow
from bot.delivery.sending import backoff_delay
from bot.delivery.worker import PlatformWorker

__all__ = ["DeliveryEngine", "Pacer", "PlatformWorker", "SlidingWindow", "backoff_delay", "merge"]
