"""Console input lines: `#room user: text`, `@user: text`, or just `text`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.messages import IncomingMessage

PLATFORM = "console"
_ROOM_LINE = re.compile(r"^(#[^\s:]{1,64})\s+([^\s:#@][^\s:]{0,63}):\s?(.*)$", re.DOTALL)
_PRIVATE_LINE = re.compile(r"^@([^\s:]{1,64}):\s?(.*)$", re.DOTALL)
# What a terminal leaves in a line: arrow keys' escape sequences, a bell, a stray ^X.
_TERMINAL_NOISE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b.?|[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who is talking and where; a line without a prefix keeps the last one."""

    user: str
    room: str | None  # None: a private message to the bot

    @property
    def prompt(self) -> str:
        return f"@{self.user}> " if self.room is None else f"{self.room} {self.user}> "


def parse_line(line: str, last: Speaker) -> tuple[IncomingMessage | None, Speaker]:
    line = line.rstrip("\r\n")
    cleaned = _TERMINAL_NOISE.sub("", line)
    # A line of noise alone still gets an answer (a hint), an empty line none.
    noisy = cleaned != line
    line = cleaned
    room_match = _ROOM_LINE.match(line)
    private_match = _PRIVATE_LINE.match(line) if room_match is None else None
    if room_match:
        speaker = Speaker(room_match.group(2), room_match.group(1))
        body = room_match.group(3)
    elif private_match:
        speaker = Speaker(private_match.group(1), None)
        body = private_match.group(2)
    else:
        speaker = last
        body = line
    if not body.strip() and not noisy:
        return None, speaker
    message = IncomingMessage(
        platform=PLATFORM,
        chat_id=speaker.room if speaker.room is not None else speaker.user,
        user_id=speaker.user,
        display_name=speaker.user,
        text=body,
        is_private=speaker.room is None,
        username=speaker.user,
        chat_title=speaker.room,
    )
    return message, speaker
