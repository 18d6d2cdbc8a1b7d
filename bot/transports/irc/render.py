"""Outgoing messages as IRC text: one logical line, plain UTF-8, no control characters.

Every line break in a message (CR, LF, CRLF) becomes ` | `: a relayed alert
that contains `\\r\\nQUIT` arrives as one harmless line, and a listing such as
`help` costs a few IRC lines instead of one per entry (lines are what flood
control counts). Control characters are stripped from every span, including
IRC formatting codes a user typed; the only formatting that reaches the wire
is the bold the bot adds itself for `Style.BOLD`, when enabled.
"""

from __future__ import annotations

import re

from bot.domain.messages import OutgoingMessage, Style

BOLD = "\x02"
SEPARATOR = " | "
_BREAKS = re.compile(r"\r\n|\r|\n")
# C0 controls (IRC bold/colour/reset/italic... are all C0), DEL, C1 controls,
# zero-width and bidi-override characters.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_MIRC_COLOUR = re.compile(
    r"\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?"
)


def strip_formatting(text: str) -> str:
    """Inbound text without mIRC colours and other control characters (tabs become spaces)."""
    text = _MIRC_COLOUR.sub("", text).replace("\t", " ")
    return _CONTROL.sub("", text)


def _clean_span(text: str) -> str:
    # Line breaks first, so `a\r\nb` gives `a | b`, not `ab`.
    text = _BREAKS.sub("\n", text).replace("\t", " ")
    text = _MIRC_COLOUR.sub("", text)
    return "\n".join(_CONTROL.sub("", part) for part in text.split("\n"))


def render_line(message: OutgoingMessage, *, bold: bool = True, command_prefix: str = "!") -> str:
    """The message as one line of text (before byte splitting)."""
    chunks: list[str] = []
    for span in message.spans:
        cleaned = _clean_span(span.text)
        if span.style is Style.BOLD and bold and cleaned.strip():
            # Bold never spans a line break: each piece is closed on its own.
            cleaned = "\n".join(
                f"{BOLD}{part}{BOLD}" if part else part for part in cleaned.split("\n")
            )
        chunks.append(cleaned)
    for button in message.buttons:
        command = button.command
        if command.startswith("/"):
            command = command_prefix + command[1:]
        chunks.append(f" [{_clean_span(button.label)}: {_clean_span(command)}]")
    lines = [line.strip() for line in "".join(chunks).split("\n")]
    return SEPARATOR.join(line for line in lines if line)
