"""Outgoing messages as Discord markdown: every span escaped, split at 2,000 characters.

User text is escaped twice over: markdown (`escape_markdown`, links left
alone) and mentions (`escape_mentions` breaks `@everyone`, `@here`, `<@id>`
and `<@&id>` with a zero-width space). That is belt and braces: every send also
carries `allowed_mentions` that pings nobody but the opt-in roles of the
alert's scope, and those role mentions are the only markup we add ourselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.domain.messages import Button, OutgoingMessage, Style

MAX_LENGTH = 2000
CUSTOM_ID_PREFIX = "rp:"
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
_BACKTICK_LOOKALIKE = "ˋ"


MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
CARD_COLOUR = 0xD93A2B


@dataclass(frozen=True, slots=True)
class Chunk:
    content: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Card:
    """An alert card: an embed (title, description) with the role mentions as content.

    Mentions inside an embed never notify anyone, so the opt-in roles go in the
    message content, where `allowed_mentions` lets exactly them through.
    """

    content: str
    title: str
    description: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Panel:
    """One embed of a message holding several: a card's, or a plain section's text."""

    description: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Cards:
    """Merged messages as one Discord message: one embed per section, in order, the role
    mentions of all of them in the content, every section's buttons under it."""

    content: str
    panels: tuple[Panel, ...]
    buttons: tuple[Button, ...] = ()


def escape_user_text(text: str) -> str:
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text))


def render_markdown(message: OutgoingMessage) -> str:
    parts: list[str] = []
    for span in message.spans:
        if span.style is Style.CODE:
            # Inside a code span nothing can be escaped: a backtick would end it early.
            inner = span.text.replace("`", _BACKTICK_LOOKALIKE)
            parts.append(f"`{inner}`" if inner.strip() else inner)
        elif span.style is Style.BOLD:
            inner = escape_user_text(span.text)
            parts.append(f"**{inner}**" if inner.strip() else inner)
        else:
            parts.append(escape_user_text(span.text))
    return "".join(parts)


def role_mentions(role_ids: Sequence[str]) -> str:
    return " ".join(f"<@&{role_id}>" for role_id in role_ids)


def _cut_point(text: str, limit: int) -> int:
    """Where to cut `text` (longer than `limit`): a paragraph, a line, a space, else hard.

    Never right after a backslash: that would separate an escape from the
    character it protects.
    """
    window = text[:limit]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at >= limit // 2:
            return at + len(separator)
    cut = limit
    while cut > 1 and text[cut - 1] == "\\":
        cut -= 1
    return cut


def split_text(text: str, limit: int = MAX_LENGTH) -> list[str]:
    """Pieces of at most `limit` characters, cut on clean boundaries, none blank."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        piece = rest[:cut].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip("\n")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces


def render_chunks(message: OutgoingMessage, role_ids: Sequence[str] = ()) -> list[Chunk]:
    """The messages to post, in order; buttons go under the last one."""
    body = render_markdown(message)
    if role_ids:
        body = f"{role_mentions(role_ids)}\n{body}"
    pieces = split_text(body)
    chunks = [Chunk(piece) for piece in pieces]
    usable = tuple(b for b in message.buttons if button_custom_id(b) is not None)
    if usable:
        chunks[-1] = Chunk(chunks[-1].content, usable)
    return chunks


def button_custom_id(button: Button) -> str | None:
    """A stable id derived from the command, so a button still works after a restart."""
    custom_id = CUSTOM_ID_PREFIX + button.command
    return custom_id if len(custom_id) <= MAX_CUSTOM_ID else None


def button_label(button: Button) -> str:
    label = button.label.strip() or button.command
    return label if len(label) <= MAX_BUTTON_LABEL else label[: MAX_BUTTON_LABEL - 1] + "…"


def allowed_mentions(role_ids: Sequence[str] = ()) -> discord.AllowedMentions:
    """Nobody is pinged, except exactly the opt-in roles this message is meant to notify."""
    return discord.AllowedMentions(
        everyone=False,
        users=False,
        roles=[discord.Object(int(role_id)) for role_id in role_ids] if role_ids else False,
        replied_user=False,
    )


def render_card(message: OutgoingMessage, role_ids: Sequence[str] = ()) -> Card | None:
    """The message as an embed card, when it is one: a scoped notification (it has
    `mention_tags`) whose first span is its bold title. None: send it as text."""
    if not message.mention_tags or not message.spans:
        return None
    head, *rest = message.spans
    if head.style is not Style.BOLD or not head.text.strip():
        return None
    title = escape_user_text(head.text.strip())
    body = render_markdown(OutgoingMessage(tuple(rest))).strip()
    body = body.removeprefix("—").removeprefix(":").strip()
    if len(title) > MAX_EMBED_TITLE or len(body) > MAX_EMBED_DESCRIPTION:
        return None
    usable = tuple(b for b in message.buttons if button_custom_id(b) is not None)
    return Card(role_mentions(role_ids), title, body, usable)


MAX_EMBEDS = 10
"""Embeds one Discord message may carry."""


def render_cards(message: OutgoingMessage, role_ids: Sequence[str] = ()) -> Cards | None:
    """Merged messages (`sections`) of which at least one is a card: each section becomes
    an embed (a card with its title; anything else, its text), in order, so the cards stay
    cards and the reading order stays. None: send the merged text as it is."""
    sections = message.sections
    if not sections or len(sections) > MAX_EMBEDS:
        return None
    panels: list[Panel] = []
    has_card = False
    for section in sections:
        card = render_card(section)
        if card is not None:
            has_card = True
            panels.append(Panel(card.description, card.title))
            continue
        body = render_markdown(section).strip()
        if len(body) > MAX_EMBED_DESCRIPTION:
            return None
        panels.append(Panel(body or "…"))
    if not has_card:
        return None
    usable = tuple(b for b in message.buttons if button_custom_id(b) is not None)
    return Cards(role_mentions(role_ids), tuple(panels), usable)
