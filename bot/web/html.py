"""HTML built from trusted parts and escaped values: injection is impossible by construction.

Like the chat side's `Span`s, markup comes only from this module's builders
(`el`, `Markup`); every other value is escaped where it is inserted, in text
and in attributes alike.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Union

Child = Union["Markup", str, int, float, None, Iterable["Child"]]


class Markup(str):
    """Trusted HTML: produced by the builders here, never from outside input."""

    __slots__ = ()


def escape(value: object) -> Markup:
    """Text for between tags: `<`, `>` and `&` escaped (quotes are harmless there)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=False))


def _attribute(value: object) -> str:
    """Text for inside a double-quoted attribute: quotes escaped too."""
    return html.escape(str(value), quote=True)


def _children(parts: Iterable[Child]) -> Iterable[str]:
    for part in parts:
        if part is None or part is False:
            continue
        if isinstance(part, Markup):
            yield part
        elif isinstance(part, str | int | float):
            yield escape(part)
        else:
            yield from _children(part)


def join(*parts: Child) -> Markup:
    return Markup("".join(_children(parts)))


_VOID = frozenset({"br", "hr", "img", "input", "link", "meta", "circle", "line", "path",
                   "polyline", "rect"})


def el(name: str, /, *children: Child, **attrs: object) -> Markup:
    """`<name attr="…">children</name>`. `class_` is `class`, `data_x` is `data-x`;
    True is a bare attribute, None and False leave it out."""
    rendered: list[str] = [name]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        attr = key.rstrip("_").replace("_", "-")
        if value is True:
            rendered.append(attr)
        else:
            rendered.append(f'{attr}="{_attribute(value)}"')
    opening = "<" + " ".join(rendered)
    if name in _VOID and not children:
        return Markup(opening + ">" if name in {"br", "hr", "img", "input", "link", "meta"}
                      else opening + "/>")
    return Markup(f"{opening}>{join(*children)}</{name}>")
