"""Being forgotten: what of a person must leave every row, and what replaces it. No I/O.

After `forgetme` no table may hold the person's names or platform ids, while
what they did still counts. Structured columns (author names, member ids,
addresses) are handled by the store one by one; free text anywhere (alert
texts, relayed messages, audit details, room titles) is scrubbed of the names
and ids collected here, as whole words, so `Marc` leaves `Marché` alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache

MIN_NEEDLE = 3
"""Shorter names and ids are left in free text: scrubbing every `al` or `7` out of every
message would destroy text that never meant them (structured columns are still cleared)."""

FORMER_MEMBER = {"fr": "ancien membre", "en": "former member"}


def former_member(lang: str) -> str:
    """What stands in history where a forgotten person's name was."""
    return FORMER_MEMBER.get(lang, FORMER_MEMBER["fr"])


def needles(names: Iterable[str | None], ids: Iterable[str | None]) -> tuple[str, ...]:
    """Every string to remove from free text: names and ids as written, and as they appear
    inside the JSON of a stored message (quotes and backslashes escaped), longest first so a
    longer name is replaced before a shorter one inside it."""
    found: set[str] = set()
    for value in (*names, *ids):
        if value is None:
            continue
        text = value.strip()
        if len(text) < MIN_NEEDLE:
            continue
        found.add(text)
        escaped = json.dumps(text, ensure_ascii=False)[1:-1]
        found.add(escaped)
    return tuple(sorted(found, key=lambda s: (-len(s), s)))


@lru_cache(maxsize=16)
def _pattern(joined: str) -> re.Pattern[str]:
    parts = json.loads(joined)
    alternatives = "|".join(re.escape(part) for part in parts)
    return re.compile(rf"(?<![\w@])(?:@)?(?:{alternatives})(?!\w)", re.IGNORECASE)


def scrub(text: str | None, needles_json: str, replacement: str) -> str | None:
    """`text` with every whole-word occurrence of the needles (a JSON list) replaced.

    A leading `@` goes with the name (`@dana` becomes `ancien membre`, not `@ancien membre`).
    """
    if text is None or not needles_json or needles_json == "[]":
        return text
    return _pattern(needles_json).sub(lambda _: replacement, text)


def forget_refusal(
    target_id: int,
    network_admin_ids: Iterable[int],
    *,
    target_is_config_admin: bool,
) -> str | None:
    """Why this person may not be forgotten (an i18n key), or None.

    An admin named in the configuration file comes back as admin whenever they
    write (the operator must remove them there first), and the network's last
    admin would leave nobody able to run it.
    """
    if target_is_config_admin:
        return "forget.config_admin"
    admins = set(network_admin_ids)
    if target_id in admins and len(admins) == 1:
        return "forget.last_admin"
    return None
