"""Barometer: per member and per scope tag over a chosen period, and the network's
response times per week (median and 90th percentile, plotted).

A coordinator of `dept:069` sees the members who came in through it, its tag's
row and the response times of the alerts they watch; asking for another tag in
the URL is refused with 403 and shows nothing.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.domain import Counted
from bot.domain.barometer import (
    MEASURES,
    PeriodError,
    WeekFigures,
    parse_period,
    weekly_response_times,
)
from bot.domain.oversight import watches_member, watches_tag
from bot.domain.short_links import day_of
from bot.domain.tags import InvalidTag, normalize_tag
from bot.store import Tx
from bot.store.dashboard import COUNTED, Activity, Counts, MemberName
from bot.web.auth import Forbidden
from bot.web.html import Markup, el
from bot.web.layout import Viewer, page
from bot.web.runtime import Runtime
from bot.web.scope import scope_filter
from bot.web.svg import Series, line_chart

MEMBERS_SHOWN = 100
NAME_BATCH = 250
COLUMNS = COUNTED
MAX_PARAM = 64


def _param(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    if len(value) > MAX_PARAM:
        raise Forbidden(400, "web.error.bad_request")
    return value


class BarometerPage:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def show(self, request: web.Request, viewer: Viewer) -> web.Response:
        runtime = self._runtime
        zone = ZoneInfo(runtime.settings.network.timezone)
        today = datetime.fromtimestamp(runtime.clock(), zone).date()
        try:
            period = parse_period(_param(request, "from"), _param(request, "to"), today)
        except PeriodError as error:
            raise Forbidden(400, error.key) from None
        raw_tag = _param(request, "tag")
        tag: str | None = None
        if raw_tag is not None:
            try:
                tag = normalize_tag(raw_tag)
            except InvalidTag:
                raise Forbidden(400, "web.bad_tag") from None
            if not watches_tag(viewer.view, tag, viewer.aliases):
                raise Forbidden(403, "web.forbidden_scope")
        start, end = period.bounds(zone)
        first_day, last_day = day_of(start), day_of(end - 1)
        async with runtime.reader.read() as tx:
            activity = await tx.dashboard.activity(start, end, first_day, last_day)
            times = await tx.dashboard.alert_times(scope_filter(viewer), start, end)
            shown_members = await self._members(tx, viewer, activity, tag)
        aliases = viewer.aliases
        merged: dict[str, Counts] = {}
        for raw, counts in activity.tags.items():
            key = aliases.canonical(raw) if raw else ""
            if key and not watches_tag(viewer.view, key, aliases):
                continue
            if not key and not viewer.view.network:
                continue
            if tag is not None and key != aliases.canonical(tag):
                continue
            merged.setdefault(key, Counts(key)).add(counts)
        weeks = weekly_response_times(times, zone, period)
        body = [
            self._filters(viewer, period.first.isoformat(), period.last.isoformat(), tag),
            el("section", el("h2", viewer.t("web.baro.times")),
               el("p", viewer.t("web.baro.times_note",
                                     alerts=Counted("count.alerts", len(times))), class_="muted"),
               el("div", [self._times_plot(viewer, weeks, m) for m in MEASURES]),
               id="times"),
            el("section", el("h2", viewer.t("web.baro.tags")),
               self._tag_table(viewer, merged), id="tags"),
            el("section", el("h2", viewer.t("web.baro.members")),
               self._member_table(viewer, shown_members), id="members"),
        ]
        path = "/dash/barometer"
        return page(viewer.lang, viewer.t("web.baro.title"), body, viewer=viewer,
                    active="barometer", path=path)

    async def _members(
        self, tx: Tx, viewer: Viewer, activity: Activity, tag: str | None
    ) -> list[tuple[MemberName, Counts]]:
        """The most active members the coordinator follows (and of `tag`, when asked);
        names are read for the candidates in order of activity, not for everyone."""
        aliases = viewer.aliases
        ranked = sorted(activity.members.items(),
                        key=lambda item: (-item[1].total, -item[1].visits, item[0]))
        shown: list[tuple[MemberName, Counts]] = []
        for begin in range(0, len(ranked), NAME_BATCH):
            batch = ranked[begin : begin + NAME_BATCH]
            found = await tx.dashboard.names(member_id for member_id, _ in batch)
            for member_id, counts in batch:
                member = found.get(member_id)
                if member is None or not watches_member(viewer.view, member.scope, aliases):
                    continue
                if tag is not None and aliases.canonical(tag) not in aliases.canonical_set(
                    member.scope
                ):
                    continue
                shown.append((member, counts))
                if len(shown) > MEMBERS_SHOWN:
                    return shown
        return shown

    def _filters(self, viewer: Viewer, first: str, last: str, tag: str | None) -> Markup:
        options = [el("option", viewer.t("web.baro.all"), value="")]
        choices = sorted(viewer.view.tags) if not viewer.view.network else []
        for each in choices:
            options.append(el("option", f"#{each}", value=each, selected=each == tag))
        if viewer.view.network:
            tag_input = el("input", type="text", name="tag", value=tag or "",
                           placeholder="dept:069", maxlength=MAX_PARAM)
        else:
            tag_input = el("select", options, name="tag")
        return el(
            "form",
            el("label", viewer.t("web.baro.from"),
               el("input", type="date", name="from", value=first)),
            el("label", viewer.t("web.baro.to"), el("input", type="date", name="to", value=last)),
            el("label", viewer.t("web.baro.tag"), tag_input),
            el("button", viewer.t("web.baro.show"), type="submit", class_="secondary"),
            method="get",
            action="/dash/barometer",
            class_="filters card",
        )

    def _times_plot(self, viewer: Viewer, weeks: list[WeekFigures], measure: str) -> Markup:
        labels = [w.week.strftime("%d/%m") for w in weeks]

        def minutes(values: list[float | None]) -> list[float | None]:
            return [None if v is None else v / 60 for v in values]

        return line_chart(
            viewer.t(f"web.baro.measure.{measure}"),
            labels,
            [
                Series(viewer.t("web.baro.median"), minutes([w.median[measure] for w in weeks]),
                       "s1"),
                Series(viewer.t("web.baro.p90"), minutes([w.p90[measure] for w in weeks]), "s2"),
            ],
            unit=viewer.t("web.baro.minutes"),
            tick_every=max(1, len(weeks) // 8),
        )

    def _tag_table(self, viewer: Viewer, rows: dict[str, Counts]) -> Markup:
        if not rows:
            return el("p", viewer.t("web.baro.members_none"), class_="muted")
        head = el("tr", el("th", viewer.t("web.baro.col.tag")),
                  [el("th", viewer.t(f"web.baro.col.{c}"), class_="n") for c in COLUMNS])
        lines = [
            el("tr", el("td", f"#{key}" if key else viewer.t("web.baro.network_row")),
               [el("td", getattr(counts, c), class_="n") for c in COLUMNS])
            for key, counts in sorted(rows.items())
        ]
        return el("div", el("table", el("thead", head), el("tbody", lines)), class_="scroll")

    def _member_table(self, viewer: Viewer, rows: list[tuple[MemberName, Counts]]) -> Markup:
        if not rows:
            return el("p", viewer.t("web.baro.members_none"), class_="muted")
        head = el("tr", el("th", viewer.t("web.baro.col.member")),
                  [el("th", viewer.t(f"web.baro.col.{c}"), class_="n") for c in COLUMNS])
        lines = [
            el("tr", el("td", f"{member.name} (M{member.id})"),
               [el("td", getattr(counts, col), class_="n") for col in COLUMNS])
            for member, counts in rows[:MEMBERS_SHOWN]
        ]
        note = el("p", viewer.t("web.baro.members_more", n=MEMBERS_SHOWN), class_="muted") \
            if len(rows) > MEMBERS_SHOWN else None
        return el("div", el("div", el("table", el("thead", head), el("tbody", lines)),
                            class_="scroll"), note)
