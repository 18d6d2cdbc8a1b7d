"""`/metrics` in Prometheus' text format, through prometheus-client.

Counters come from what the running engine already counts in memory
(outcomes per platform, pauses), so a scrape adds nothing to the hot path;
queue depths are counted on the outbox's queue index; the alert-to-first-ack
and alert-to-first-clip histograms are fed at each scrape with the firsts
that happened since the previous one. Like every Prometheus counter, they
start again from zero when the process does.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.web.health import LinkWatch
from bot.web.links import VisitCounter
from bot.web.runtime import Runtime

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The classic text format, which every Prometheus version reads."""
RESPONSE_BUCKETS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400)
OUTCOMES = ("sent", "failed", "skipped", "retried", "rate_limited")


@dataclass
class Snapshot:
    """What a scrape reads from the store before the synchronous collection."""

    depths: dict[str, tuple[int, int]] = field(default_factory=dict)
    clips: dict[str, int] = field(default_factory=dict)
    pushes: dict[tuple[str, str], int] = field(default_factory=dict)


class _Collector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        metrics = self._metrics
        runtime = metrics.runtime
        snapshot = metrics.snapshot
        engine = runtime.engine
        deliveries = CounterMetricFamily(
            "riposte_deliveries", "Delivery outcomes since start, by platform and outcome.",
            labels=("platform", "outcome"),
        )
        pauses = CounterMetricFamily(
            "riposte_pacing_pauses", "Pauses of a whole platform asked by a rate-limit answer.",
            labels=("platform",),
        )
        limited = CounterMetricFamily(
            "riposte_rate_limited", "Rate-limit answers (429) received, by platform.",
            labels=("platform",),
        )
        paused = GaugeMetricFamily(
            "riposte_paused_seconds", "Seconds the platform's pacing is still paused for.",
            labels=("platform",),
        )
        queued = GaugeMetricFamily(
            "riposte_outbox_queued", "Deliveries waiting in the outbox.", labels=("platform",)
        )
        in_flight = GaugeMetricFamily(
            "riposte_outbox_in_flight", "Deliveries being sent.", labels=("platform",)
        )
        up = GaugeMetricFamily(
            "riposte_transport_up", "1 while the platform is reachable.", labels=("platform",)
        )
        states = metrics.watch.states()
        for name in runtime.transports:
            worker = engine.workers.get(name) if engine is not None else None
            if worker is not None:
                for outcome in OUTCOMES:
                    deliveries.add_metric((name, outcome), worker.outcomes.get(outcome, 0))
                pauses.add_metric((name,), worker.stats.pauses)
                limited.add_metric((name,), worker.stats.rate_limited)
                paused.add_metric((name,), worker.paused_for)
            depth = snapshot.depths.get(name, (0, 0))
            queued.add_metric((name,), depth[0])
            in_flight.add_metric((name,), depth[1])
            state = states.get(name)
            up.add_metric((name,), 1 if state is None or state.up else 0)
        yield from (deliveries, pauses, limited, paused, queued, in_flight, up)
        clips = GaugeMetricFamily(
            "riposte_clip_jobs", "Clip jobs in the archive, by state.", labels=("state",)
        )
        for state_name, n in sorted(snapshot.clips.items()):
            clips.add_metric((state_name,), n)
        yield clips
        pushes = GaugeMetricFamily(
            "riposte_push_targets",
            "Pushes' posts (per social account) and room copies (per platform) in the store, "
            "by outcome.",
            labels=("target", "outcome"),
        )
        for (target, outcome), n in sorted(snapshot.pushes.items()):
            pushes.add_metric((target, outcome), n)
        yield pushes
        visits = CounterMetricFamily(
            "riposte_link_visits", "Short-link visits counted since start (previews excluded)."
        )
        visits.add_metric((), metrics.counter.written + metrics.counter.pending)
        yield visits


class Metrics:
    def __init__(self, runtime: Runtime, watch: LinkWatch, counter: VisitCounter) -> None:
        self.runtime = runtime
        self.watch = watch
        self.counter = counter
        self.snapshot = Snapshot()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_Collector(self))
        self.first_ack = Histogram(
            "riposte_alert_first_ack_seconds",
            "Seconds from an alert to its first ack.",
            buckets=RESPONSE_BUCKETS,
            registry=self.registry,
        )
        self.first_clip = Histogram(
            "riposte_alert_first_clip_seconds",
            "Seconds from an alert to its first clip (archived, or a clip task done).",
            buckets=RESPONSE_BUCKETS,
            registry=self.registry,
        )
        self._ack_mark: int | None = None
        self._clip_mark = runtime.clock()

    async def start(self) -> None:
        """Firsts before now are history: the histograms count from here."""
        async with self.runtime.reader.read() as tx:
            self._ack_mark = await tx.firsts.ack_mark()
        self._clip_mark = self.runtime.clock()

    async def refresh(self) -> None:
        runtime = self.runtime
        until = runtime.clock()
        async with runtime.reader.read() as tx:
            if self._ack_mark is None:
                self._ack_mark = await tx.firsts.ack_mark()
            acks, self._ack_mark = await tx.firsts.first_acks(self._ack_mark)
            clips = await tx.firsts.first_clips(self._clip_mark, until)
            depths = await tx.dashboard.queue_depths(runtime.transports)
            clip_states = await tx.clips.status_counts()
            pushes = await tx.dashboard.push_outcomes()
        self._clip_mark = until
        for seconds in acks:
            self.first_ack.observe(seconds)
        for seconds in clips:
            self.first_clip.observe(seconds)
        self.snapshot = Snapshot(depths=depths, clips=clip_states, pushes=pushes)

    async def handle(self, request: web.Request) -> web.Response:
        token = self.runtime.settings.web.metrics_token
        if token is not None and token.value:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token.value}".encode()):
                return web.Response(
                    status=401, text="401: Bearer token required\n",
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        await self.refresh()
        body = generate_latest(self.registry)
        return web.Response(
            body=body, headers={"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"}
        )
