"""Merging queued messages for one chat when its rate would make them trickle out late.

Telegram lets a bot post about 20 messages a minute in a group; on a busy
evening ten alerts for one group are better read as one message now than as
ten over the next minutes. Each part stays readable on its own: parts are
separated by a blank line and keep their own buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.domain.messages import OutgoingMessage, Span

SEPARATOR = Span("\n\n")
MAX_BUTTONS = 8


def _has_file(message: OutgoingMessage) -> bool:
    return message.video is not None or message.document is not None


def can_join(first: OutgoingMessage, second: OutgoingMessage) -> bool:
    return first.is_error == second.is_error and not _has_file(first) and not _has_file(second)


def text_length(message: OutgoingMessage) -> int:
    return len(message.text)


def merge(
    parts: Sequence[OutgoingMessage],
    max_length: int,
    measure: Callable[[OutgoingMessage], int] = text_length,
    max_parts: int | None = None,
) -> tuple[OutgoingMessage, int]:
    """Merge a prefix of `parts` that fits in `max_length`; returns (message, parts used).

    `measure` is the platform's own count (Telegram: UTF-16 code units of the
    visible text), so a merged message is always one platform message;
    `max_parts` caps how many go together (Discord: 10 embeds per message).
    The merged message notifies everyone its parts would have (the union of
    their mention tags, in order) and keeps each part as a section, so a
    platform that shows cards shows one per part.
    """
    spans = list(parts[0].spans)
    buttons = list(parts[0].buttons)
    length = measure(parts[0])
    separator = measure(OutgoingMessage((SEPARATOR,)))
    used = 1
    for part in parts[1:] if not _has_file(parts[0]) else ():
        if max_parts is not None and used >= max_parts:
            break
        extra = separator + measure(part)
        if length + extra > max_length or not can_join(parts[0], part):
            break
        if len(buttons) + len(part.buttons) > MAX_BUTTONS:
            break
        spans.append(SEPARATOR)
        spans.extend(part.spans)
        buttons.extend(part.buttons)
        length += extra
        used += 1
    if used == 1:
        return parts[0], 1  # alone, it keeps what a merge cannot carry (a file, mentions)
    taken = parts[:used]
    tags = tuple(dict.fromkeys(tag for part in taken for tag in part.mention_tags))
    merged = OutgoingMessage(
        tuple(spans), tuple(buttons), parts[0].is_error, mention_tags=tags, sections=tuple(taken)
    )
    return merged, used
