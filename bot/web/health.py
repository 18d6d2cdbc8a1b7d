"""`/healthz`: each transport's state and queue, for a load balancer or a monitor.

A transport is down when it says its link is down (IRC, Discord, Telegram) or when
its sends have failed for a transient reason with no success since (any
platform: timeouts, 5xx, connection refused). Down for longer than `[web]
health_down_after`, or a heartbeat older than `riposte health` accepts, and
the answer is 503. Nothing here names a chat, a member or a secret.
"""

from __future__ import annotations

import json

from aiohttp import web

from bot.delivery.links import LinkState, LinkWatch
from bot.web.runtime import Runtime

HEALTHY_HEARTBEAT_SECONDS = 60.0
"""The same limit as `riposte health`."""

__all__ = ["Health", "LinkState", "LinkWatch"]


class Health:
    def __init__(self, runtime: Runtime, watch: LinkWatch) -> None:
        self._runtime = runtime
        self._watch = watch

    async def report(self) -> tuple[int, dict[str, object]]:
        runtime = self._runtime
        now = runtime.clock()
        limit = runtime.settings.web.health_down_after
        async with runtime.reader.read() as tx:
            depths = await tx.dashboard.queue_depths(runtime.transports)
            instance = await tx.running.current()
        heartbeat = None if instance is None else round(now - instance.heartbeat_at, 1)
        problems: list[str] = []
        if heartbeat is None or heartbeat > HEALTHY_HEARTBEAT_SECONDS:
            problems.append("heartbeat")
        transports: dict[str, object] = {}
        engine = runtime.engine
        for name, state in self._watch.states().items():
            down_for = 0.0 if state.down_since is None else round(now - state.down_since, 1)
            if down_for > limit:
                problems.append(name)
            worker = engine.workers.get(name) if engine is not None else None
            queued, in_flight = depths.get(name, (0, 0))
            transports[name] = {
                "state": "up" if state.up else "down",
                "down_for": down_for,
                "queued": queued,
                "in_flight": in_flight,
                "paused_for": round(worker.paused_for, 1) if worker else 0.0,
            }
        status = 503 if problems else 200
        return status, {
            "status": "unhealthy" if problems else "ok",
            "problems": problems,
            "heartbeat_age": heartbeat,
            "down_after": limit,
            "outbox": {
                "queued": sum(q for q, _ in depths.values()),
                "in_flight": sum(f for _, f in depths.values()),
            },
            "transports": transports,
        }

    async def handle(self, request: web.Request) -> web.Response:
        status, body = await self.report()
        return web.Response(
            text=json.dumps(body, indent=1) + "\n",
            status=status,
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )
