"""How often a member may alert, and when two alerts are the same one. No I/O.

A flood of alerts is how a network is spammed (and how its members learn to
mute it), and the same link alerted twice splits the response in two. These
rules decide; the handler only asks the store for the numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.domain.scopes import is_network_wide
from bot.domain.tags import TagAliases

HOUR = 3600.0
_TRACKING_PREFIXES = ("utm_",)
_TRACKING = frozenset({"fbclid", "gclid", "igshid", "mc_cid", "mc_eid", "xtor", "at_medium"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The same page written differently gives the same key.

    Scheme and host are case-folded, default ports, fragments, a trailing `/`
    and tracking parameters (`utm_*`, `fbclid`…) are dropped; the rest of the
    query is kept in order, since it often names the video.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = urlencode(
        [
            (key, value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if key.lower() not in _TRACKING and not key.lower().startswith(_TRACKING_PREFIXES)
        ]
    )
    return urlunsplit(("https" if scheme == "http" else scheme, netloc, path, query, ""))


def next_alert_at(recent: Sequence[float], per_hour: int, now: float) -> float | None:
    """When a member who raised alerts at `recent` (timestamps) may raise the next one.

    None: now. A sliding hour: with a limit of 6, the seventh waits until the
    oldest of the last six is an hour old. A limit of 0 or less means no limit.
    """
    if per_hour <= 0:
        return None
    window = sorted(t for t in recent if t > now - HOUR)
    if len(window) < per_hour:
        return None
    return window[-per_hour] + HOUR


def widened_scope(
    earlier_scope: Iterable[str], new_scope: Iterable[str], aliases: TagAliases
) -> tuple[str, ...]:
    """The scope of an alert that the same link, alerted for `new_scope`, widens: both
    together (network-wide, `()`, when either is)."""
    earlier, new = tuple(earlier_scope), tuple(new_scope)
    if is_network_wide(earlier, aliases) or is_network_wide(new, aliases):
        return ()
    have = set(aliases.canonical_set(earlier))
    added: list[str] = []
    for tag in new:
        if aliases.canonical(tag) not in have:
            have.add(aliases.canonical(tag))
            added.append(tag)
    return (*earlier, *added)


def duplicate_covers(
    earlier_scope: Iterable[str], new_scope: Iterable[str], aliases: TagAliases
) -> bool:
    """Does an earlier alert of the same link already reach everyone the new one would?

    Then the new one is a duplicate. If the new alert reaches further (Lyon
    alerting a link only Paris got), it is a new alert for the others.
    """
    earlier = tuple(earlier_scope)
    if is_network_wide(earlier, aliases):
        return True
    new = tuple(new_scope)
    if is_network_wide(new, aliases):
        return False
    return aliases.canonical_set(new) <= aliases.canonical_set(earlier)
