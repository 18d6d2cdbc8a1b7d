"""Deliveries: per platform, deliveries per minute over the last day (plotted), failures,
pauses, queues, and the rooms the bot cannot reach.

The queues and failures are `riposte status`'s own queries; the per-minute
series come from the counts the engine writes with each batch of outcomes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.domain.durations import format_local_time
from bot.domain.oversight import watches
from bot.redaction import Redactor
from bot.store.delivery_minutes import MinuteCounts, minute_of
from bot.web.health import LinkWatch
from bot.web.html import Markup, el
from bot.web.layout import Viewer, page
from bot.web.runtime import Runtime
from bot.web.svg import Series, line_chart

MINUTES = 24 * 60
BUCKET = 10
"""Minutes per plotted point: 144 points a day, each the mean rate over its minutes."""
FAILURES_SHOWN = 10


class DeliveriesPage:
    def __init__(self, runtime: Runtime, watch: LinkWatch) -> None:
        self._runtime = runtime
        self._watch = watch
        self._redact = Redactor(runtime.settings.secrets())

    async def show(self, request: web.Request, viewer: Viewer) -> web.Response:
        runtime = self._runtime
        now = runtime.clock()
        start = minute_of(now) - MINUTES + 1
        start -= start % BUCKET
        async with runtime.reader.read() as tx:
            minutes = await tx.delivery_minutes.since(start)
            counts = {c.platform: c for c in await tx.outbox.counts(now)}
            failures = await tx.outbox.failures(FAILURES_SHOWN) if viewer.view.network else []
            rooms = [
                r for r in await tx.rooms.all()
                if r.unreachable_reason and watches(viewer.view, r.tags, viewer.aliases)
            ]
        by_platform: dict[str, list[MinuteCounts]] = defaultdict(list)
        for row in minutes:
            by_platform[row.platform].append(row)
        platforms = sorted(set(runtime.transports) | set(by_platform) | set(counts))
        states = self._watch.states()
        zone = ZoneInfo(runtime.settings.network.timezone)
        head = el("tr", [el("th", viewer.t(f"web.del.col.{c}"), class_=None if i < 2 else "n")
                         for i, c in enumerate(("platform", "state", "queued", "in_flight",
                                                "sent", "failed", "retried", "rate_limited",
                                                "pauses", "peak", "paused"))])
        lines: list[Markup] = []
        plots: list[Markup] = []
        for platform in platforms:
            rows = by_platform.get(platform, [])
            state = states.get(platform)
            current = counts.get(platform)
            if state is None or state.up:
                link = el("span", viewer.t("web.del.up"), class_="badge ok")
            else:
                since = format_local_time(state.down_since or now, str(zone), now)
                link = el("span", viewer.t("web.del.down", since=since), class_="badge down")
            paused = (
                format_local_time(current.paused_until, str(zone), now)
                if current is not None and current.paused_until
                else viewer.t("web.never")
            )
            totals = {k: sum(getattr(r, k) for r in rows)
                      for k in ("sent", "failed", "retried", "rate_limited", "paused")}
            peak = max((r.sent for r in rows), default=0)
            lines.append(el(
                "tr",
                el("td", platform), el("td", link),
                el("td", current.queued if current else 0, class_="n"),
                el("td", current.in_flight if current else 0, class_="n"),
                *(el("td", totals[k], class_="n")
                  for k in ("sent", "failed", "retried", "rate_limited", "paused")),
                el("td", peak, class_="n"), el("td", paused, class_="n"),
                id=f"platform-{platform}",
            ))
            plots.append(self._plot(viewer, platform, rows, start, minute_of(now), zone))
        table = el("div", el("table", el("thead", head), el("tbody", lines)), class_="scroll")
        body = [
            el("section", table, id="platforms"),
            el("section", plots or el("p", viewer.t("web.del.none"), class_="muted"),
               id="plots"),
            el("section", el("h2", viewer.t("web.del.unreachable", n=len(rooms))),
               el("ul", [el("li", f"{r.platform} · {r.label} — "
                                  f"{self._redact(r.unreachable_reason or '')}")
                         for r in rooms]) if rooms
               else el("p", viewer.t("web.del.unreachable_none"), class_="muted"),
               id="unreachable"),
        ]
        if viewer.view.network:
            body.append(el(
                "section", el("h2", viewer.t("web.del.failures")),
                el("ul", [el("li", f"#{f.id} → {f.target.platform}:{f.target.address} — "
                                   f"{self._redact(f.last_error or '')}") for f in failures])
                if failures else el("p", viewer.t("web.del.failures_none"), class_="muted"),
                id="failures",
            ))
        return page(viewer.lang, viewer.t("web.del.title"), body, viewer=viewer,
                    active="deliveries", path="/dash/deliveries")

    def _plot(self, viewer: Viewer, platform: str, rows: list[MinuteCounts], start: int,
              current: int, zone: ZoneInfo) -> Markup:
        points = (current - start) // BUCKET + 1
        sent = [0.0] * points
        failed = [0.0] * points
        markers: list[tuple[int, str]] = []
        for row in rows:
            index = (row.minute - start) // BUCKET
            if not 0 <= index < points:
                continue
            sent[index] += row.sent / BUCKET
            failed[index] += row.failed / BUCKET
            if row.paused:
                at = datetime.fromtimestamp(row.minute * 60, zone).strftime("%H:%M")
                markers.append((index, viewer.t("web.del.pause", at=at)))
        labels = [
            datetime.fromtimestamp((start + i * BUCKET) * 60, zone).strftime("%H:%M")
            for i in range(points)
        ]
        return line_chart(
            viewer.t("web.del.plot", platform=platform),
            labels,
            [
                Series(viewer.t("web.del.series.sent"), sent, "s1"),
                Series(viewer.t("web.del.series.failed"), failed, "bad"),
            ],
            tick_every=points // 6,
            markers=markers,
        )
