"""Turn catalogue templates into text or spans.

Templates are trusted text from our catalogues: `**bold**` in a template is
markup, `{name}` is a value. Values are inserted after the markup is read, so
user text can never turn into markup, whatever it contains.
"""

from __future__ import annotations

import re
import string
import warnings
from collections.abc import Mapping
from functools import lru_cache

from bot.domain.messages import Counted, Phrase, Span, Style
from bot.i18n import (
    archive,
    cancellation,
    content,
    counts,
    en,
    fr,
    hints,
    identity,
    removal,
    rights,
    stats,
    tasks,
    trust,
    web,
)

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"

_FAMILIES: tuple[tuple[Mapping[str, str], Mapping[str, str]], ...] = (
    (archive.FR, archive.EN),
    (cancellation.FR, cancellation.EN),
    (counts.FR, counts.EN),
    (hints.FR, hints.EN),
    (content.FR, content.EN),
    (tasks.FR, tasks.EN),
    (trust.FR, trust.EN),
    (identity.FR, identity.EN),
    (stats.FR, stats.EN),
    (web.FR, web.EN),
    (rights.FR, rights.EN),
    (removal.FR, removal.EN),
)
"""(French, English) catalogues of command families kept apart from `fr.py` / `en.py`.

A family with many messages keeps them in `bot/i18n/<family>.py` (`FR` and `EN`
side by side, so a translation is never forgotten) and is listed here.
"""


def _merge(base: Mapping[str, str], parts: tuple[Mapping[str, str], ...]) -> dict[str, str]:
    merged = dict(base)
    for part in parts:
        clash = merged.keys() & part.keys()
        if clash:
            raise ValueError(f"message keys defined twice: {sorted(clash)}")
        merged.update(part)
    return merged


CATALOGUES: Mapping[str, Mapping[str, str]] = {
    "fr": _merge(fr.MESSAGES, tuple(family[0] for family in _FAMILIES)),
    "en": _merge(en.MESSAGES, tuple(family[1] for family in _FAMILIES)),
}

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_FORMATTER = string.Formatter()


def pick_lang(*candidates: str | None) -> str:
    """The first supported language among the candidates (member, room, network)."""
    for candidate in candidates:
        if candidate is not None and candidate in CATALOGUES:
            return candidate
    return DEFAULT_LANG


class MessageValuesWarning(UserWarning):
    """A message rendered without a value its template shows (it would print `{name}`),
    with a value it does not show, or under a key no catalogue has: a bug of the caller.
    The message still goes out; the test suite turns the warning into a failure."""


def template(lang: str, key: str) -> str:
    catalogue = CATALOGUES.get(lang, CATALOGUES[DEFAULT_LANG])
    found = catalogue.get(key)
    return found if found is not None else CATALOGUES["en"].get(key, key)


def _fill(lang: str, text: str, params: Mapping[str, object]) -> str:
    out: list[str] = []
    for literal, name, spec, conversion in _FORMATTER.parse(text):
        out.append(literal)
        if name is None:
            continue
        value = params.get(name, "{" + name + "}")
        if isinstance(value, Counted):
            value = count(lang, value.noun, value.n)
        elif isinstance(value, Phrase):
            value = template(lang, value.key)
        if conversion:
            value = _FORMATTER.convert_field(value, conversion)
        out.append(format(value, spec or ""))
    return "".join(out)


@lru_cache(maxsize=4096)
def _names(raw: str) -> frozenset[str]:
    return placeholders(raw)


def _check(lang: str, key: str, raw: str, given: frozenset[str], *, exact: bool) -> None:
    if key not in CATALOGUES.get(lang, CATALOGUES[DEFAULT_LANG]):
        warnings.warn(f"no message {key!r} in {lang}", MessageValuesWarning, stacklevel=3)
        return
    wanted = _names(raw)
    missing = wanted - given
    unexpected = given - wanted if exact else frozenset()
    if missing or unexpected:
        warnings.warn(
            f"message {key!r}: values missing {sorted(missing)}, not shown {sorted(unexpected)}",
            MessageValuesWarning,
            stacklevel=3,
        )


def spans(lang: str, key: str, /, **params: object) -> tuple[Span, ...]:
    """The message `key` with exactly the values its template shows."""
    raw = template(lang, key)
    _check(lang, key, raw, frozenset(params), exact=True)
    return _render(lang, raw, params)


def spans_from(lang: str, key: str, values: Mapping[str, object], /) -> tuple[Span, ...]:
    """The message `key` with the values its template shows, picked from a set shared by
    several messages (the lines of a clock, each with its own words)."""
    raw = template(lang, key)
    _check(lang, key, raw, frozenset(values), exact=False)
    return _render(lang, raw, values)


def text_from(lang: str, key: str, values: Mapping[str, object], /) -> str:
    return "".join(span.text for span in spans_from(lang, key, values))


def _render(lang: str, raw: str, params: Mapping[str, object]) -> tuple[Span, ...]:
    result: list[Span] = []
    cursor = 0
    for match in _BOLD.finditer(raw):
        if match.start() > cursor:
            result.append(Span(_fill(lang, raw[cursor : match.start()], params)))
        result.append(Span(_fill(lang, match.group(1), params), Style.BOLD))
        cursor = match.end()
    if cursor < len(raw):
        result.append(Span(_fill(lang, raw[cursor:], params)))
    return tuple(span for span in result if span.text)


def text(lang: str, key: str, /, **params: object) -> str:
    return "".join(span.text for span in spans(lang, key, **params))


def placeholders(raw: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in _FORMATTER.parse(raw) if name)


def count(lang: str, key: str, n: int) -> str:
    """`3 salons`, `1 salon`, `0 salon` (French singular for 0 and 1; English for 1 only)."""
    singular = n <= 1 if lang == "fr" else n == 1
    return text(lang, f"{key}.{'one' if singular else 'many'}", n=n)
