"""What a digest looks like: the alerts held, oldest first, each in its state at release.

At 07:00 thousands of members may hold thousands of different sets of alerts;
each alert's line is rendered once per language and zone, and a digest is its
header and the lines it needs.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.durations import format_local_time
from bot.domain.ids import Kind, format_id
from bot.domain.messages import OutgoingMessage, Span
from bot.i18n import count, spans, text
from bot.store.digests import DigestGroup, HeldAlertState

MAX_LINES = 30
"""Alerts listed in one digest (the latest ones); the others are counted."""
EXCERPT = 90


def _excerpt(value: str) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def state(alert: HeldAlertState, lang: str) -> str:
    """`annulée`, `traitée`, `en cours, 2 prises en charge`, `en cours`."""
    if alert.cancelled:
        return text(lang, "digest.state.cancelled")
    if alert.tasks and alert.tasks_done and alert.tasks_done + alert.tasks_dropped == alert.tasks:
        return text(lang, "digest.state.done")
    if alert.acks:
        return text(lang, "digest.state.open_acked", acks=count(lang, "count.acks", alert.acks))
    return text(lang, "digest.state.open")


class DigestRenderer:
    """Renders digests at one moment (`now`), each alert line once per language and zone."""

    def __init__(self, now: float) -> None:
        self._now = now
        self._lines: dict[tuple[int, str, str], Span] = {}
        self._fixed: dict[tuple[str, str, int], tuple[Span, ...]] = {}

    def __call__(
        self, group: DigestGroup, states: Mapping[int, HeldAlertState]
    ) -> OutgoingMessage:
        return OutgoingMessage(self.spans(group, states))

    def spans(self, group: DigestGroup, states: Mapping[int, HeldAlertState]) -> tuple[Span, ...]:
        """The digest's spans; those of one alert line are the same objects every time."""
        lang = group.lang
        alerts = [states[i] for i in group.alert_ids if i in states]
        alerts.sort(key=lambda a: (a.created_at, a.id))
        key = "digest.header_daily" if group.daily else "digest.header_quiet"
        body = [*self._once(lang, key, len(alerts))]
        hidden = max(0, len(alerts) - MAX_LINES)
        body += [self._line(alert, lang, group.zone) for alert in alerts[hidden:]]
        if hidden:
            older = count(lang, "count.older_alerts", hidden)
            body.append(Span("\n" + text(lang, "digest.more", older=older)))
        if alerts:
            # The example is an alert of this digest: one the reader may well want to open.
            body += self._once(lang, "digest.footer", alerts[-1].id)
        return tuple(body)

    def _once(self, lang: str, key: str, n: int) -> tuple[Span, ...]:
        found = self._fixed.get((lang, key, n))
        if found is None:
            if key == "digest.footer":
                found = (Span("\n" + text(lang, key, id=format_id(Kind.ALERT, n))),)
            else:
                found = spans(lang, key, alerts=count(lang, "count.alerts", n))
            self._fixed[(lang, key, n)] = found
        return found

    def _line(self, alert: HeldAlertState, lang: str, zone: str) -> Span:
        found = self._lines.get((alert.id, lang, zone))
        if found is None:
            line = text(
                lang,
                "digest.line",
                id=format_id(Kind.ALERT, alert.id),
                at=format_local_time(alert.created_at, zone, self._now),
                author=alert.author_name,
                origin=alert.origin_label,
                text=_excerpt(alert.text),
                state=state(alert, lang),
            )
            found = self._lines[(alert.id, lang, zone)] = Span("\n" + line)
        return found


def render_digest(
    group: DigestGroup, states: Mapping[int, HeldAlertState], now: float
) -> OutgoingMessage:
    """One digest (a renderer of its own: for a single message)."""
    return DigestRenderer(now)(group, states)
