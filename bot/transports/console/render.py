"""Console output: one message per line, `-> #room: text`, `-> @user: text`, `~>` for edits.

A message of several lines keeps its first line on the arrow line and indents
the rest, so `grep '^-> #lyon'` finds every message and a person can still read
a help page. Every character that starts a line for `str.splitlines()` (not
only the newline: U+2028, U+0085, form feed…) starts an indented line here, so
no text, whatever it holds, can print a line that looks like the bot's own.
"""

from __future__ import annotations

from bot.domain.messages import OutgoingMessage, Target, TargetKind


def render_text(message: OutgoingMessage) -> str:
    body = message.text
    if message.buttons:
        body += " " + " ".join(f"[{b.label}: {b.command}]" for b in message.buttons)
    if message.document is not None:
        # A terminal cannot receive a file: say where it is, on a line of its own.
        body += f"\n[file: {message.document}]"
    return body


def target_label(target: Target) -> str:
    if target.kind is TargetKind.USER:
        return f"@{target.address}"
    return target.address


def format_output(target: Target, message: OutgoingMessage, *, edit: bool = False) -> str:
    arrow = "~>" if edit else "->"
    lines = render_text(message).splitlines() or [""]
    head = f"{arrow} {target_label(target)}: {lines[0]}"
    return "\n".join([head, *("    " + line for line in lines[1:])])
