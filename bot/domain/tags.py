"""Tags name scopes (`dept:075`, `theme:retraites`); aliases make synonyms equal.

Tags are compared after normalisation (case, accents, a leading `#`) and after
alias resolution, so `#Insoumisé`, `insoumise` and an alias `insoumis` all meet.
Rooms and subscriptions store the normalised tag as written, and resolution
happens when matching: an alias added later applies to everything at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MAX_TAG_LENGTH = 64
NATIONAL = "national"
"""On a room: it receives every alert. On an alert: network-wide, like no tag at all."""

_TAG_CHARS = re.compile(r"^[a-z0-9][a-z0-9:_.\-]*$")


class InvalidTag(ValueError):
    def __init__(self, raw: str) -> None:
        super().__init__(raw)
        self.raw = raw


def normalize_tag(raw: str) -> str:
    """`#Insoumisé` -> `insoumise`. Raises InvalidTag for anything not tag-shaped."""
    text = raw.strip()
    if text.startswith("#"):
        text = text[1:]
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    tag = stripped.casefold()
    if not tag or len(tag) > MAX_TAG_LENGTH or not _TAG_CHARS.match(tag):
        raise InvalidTag(raw)
    return tag


def normalize_tags(raws: Iterable[str]) -> tuple[str, ...]:
    """Normalised, de-duplicated, in first-seen order."""
    seen: dict[str, None] = {}
    for raw in raws:
        seen[normalize_tag(raw)] = None
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class TagAliases:
    """Alias -> canonical tag. Always flat: a canonical tag is never itself an alias.

    `national` is never part of a synonym, whatever the rows say: it is what a
    network-wide right is checked against, so `national` = `dept:069` would make
    every admin of `dept:069` an admin of the whole network.
    """

    mapping: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if any(NATIONAL in pair for pair in self.mapping.items()):
            kept = {a: c for a, c in self.mapping.items() if NATIONAL not in (a, c)}
            object.__setattr__(self, "mapping", kept)

    def canonical(self, tag: str) -> str:
        return self.mapping.get(tag, tag)

    def canonical_set(self, tags: Iterable[str]) -> frozenset[str]:
        return frozenset(self.canonical(tag) for tag in tags)

    def synonyms(self, tag: str) -> tuple[str, ...]:
        """Every tag that means the same as `tag`, canonical first."""
        root = self.canonical(tag)
        others = sorted(alias for alias, target in self.mapping.items() if target == root)
        return (root, *others)


class NationalAlias(ValueError):
    """`national` cannot be made a synonym of anything, nor anything of it."""


def plan_alias(aliases: TagAliases, alias: str, target: str) -> dict[str, str]:
    """The rows to write so that `alias` and `target` mean the same.

    Keeps the mapping flat: if `alias` was the canonical of other aliases, they
    move to the new canonical too. Returns alias -> canonical rows to upsert;
    empty when the two are already equal. Raises `NationalAlias` when either is
    `national`: a scoped right would become a network-wide one.
    """
    if NATIONAL in (alias, target):
        raise NationalAlias(alias if alias == NATIONAL else target)
    root_target = aliases.canonical(target)
    root_alias = aliases.canonical(alias)
    if root_alias == root_target:
        return {}
    updates = {alias: root_target}
    updates[root_alias] = root_target
    for existing, canonical in aliases.mapping.items():
        if canonical == root_alias:
            updates[existing] = root_target
    updates.pop(root_target, None)
    return updates
