"""IRC lines: parse what the server sends, build what we send, split text by bytes.

The wire is where injection happens, so this module is strict: a parameter
holding CR, LF or NUL is refused (`serialize` raises), only the last parameter
may contain spaces or start with `:`, and a line never exceeds 512 bytes with
the CRLF. Text is split by UTF-8 *bytes*, never inside a character, leaving
room for the `:nick!user@host ` prefix the server adds when it relays our
line (ngircd disconnects a client whose relayed line would not fit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_LINE_BYTES = 512
"""RFC 1459 line limit, CRLF included, tags excluded."""

# What we assume for our own `user@host` until the server shows us the real one.
# USERLEN is 10 on most servers (+1 for a `~`); 63 is the longest DNS label.
ASSUMED_USER_BYTES = 11
ASSUMED_HOST_BYTES = 63

_FORBIDDEN = ("\r", "\n", "\0")
_TAG_UNESCAPE = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}


class ProtocolError(ValueError):
    """A line we refuse to send: it would be read as something else."""


@dataclass(frozen=True, slots=True)
class Message:
    """One parsed IRC line: IRCv3 tags, the source prefix, the command and its params."""

    command: str
    params: tuple[str, ...] = ()
    prefix: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def nick(self) -> str | None:
        """The nick part of the prefix (`nick!user@host`), or the server name."""
        if self.prefix is None:
            return None
        return self.prefix.split("!", 1)[0].split("@", 1)[0]

    def param(self, index: int, default: str = "") -> str:
        return self.params[index] if index < len(self.params) else default


def _unescape_tag(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append(_TAG_UNESCAPE.get(nxt, nxt))
        else:
            out.append(char)
    return "".join(out)


def parse(line: str) -> Message:
    """Parse one line (without its line ending). Tolerant: servers vary."""
    line = line.rstrip("\r\n")
    tags: dict[str, str] = {}
    if line.startswith("@"):
        raw_tags, _, line = line[1:].partition(" ")
        for item in raw_tags.split(";"):
            if item:
                key, _, value = item.partition("=")
                tags[key] = _unescape_tag(value)
        line = line.lstrip(" ")
    prefix = None
    if line.startswith(":"):
        prefix, _, line = line[1:].partition(" ")
        line = line.lstrip(" ")
    trailing: str | None = None
    if " :" in line:
        line, _, trailing = line.partition(" :")
    elif line.startswith(":"):
        line, trailing = "", line[1:]
    words = line.split()
    command = words[0].upper() if words else ""
    params = words[1:]
    if trailing is not None:
        params.append(trailing)
    return Message(command=command, params=tuple(params), prefix=prefix, tags=tags)


def serialize(command: str, *params: str) -> bytes:
    """One wire line, CRLF included. Raises ProtocolError rather than send a forged line."""
    if not command or not command.isalnum():
        raise ProtocolError(f"bad command {command!r}")
    parts = [command]
    for index, param in enumerate(params):
        if any(char in param for char in _FORBIDDEN):
            raise ProtocolError(f"{command}: parameter {index} holds CR, LF or NUL")
        last = index == len(params) - 1
        if not last and (not param or " " in param or param.startswith(":")):
            raise ProtocolError(f"{command}: middle parameter {index} is empty or has a space")
        parts.append(
            ":" + param if last and (not param or " " in param or param[0] == ":") else param
        )
    data = (" ".join(parts) + "\r\n").encode("utf-8")
    if len(data) > MAX_LINE_BYTES:
        raise ProtocolError(f"{command}: line of {len(data)} bytes exceeds {MAX_LINE_BYTES}")
    return data


def text_budget(command: str, target: str, nick: str, user_host: str | None) -> int:
    """Bytes of text that fit in one `COMMAND target :text` line once the server relays it.

    The relayed line is `:nick!user@host COMMAND target :text\\r\\n`; all of it must
    fit in 512 bytes.
    """
    if user_host is None:
        source = len(nick.encode()) + 1 + ASSUMED_USER_BYTES + 1 + ASSUMED_HOST_BYTES
    else:
        source = len(nick.encode()) + 1 + len(user_host.encode())
    overhead = 1 + source + 1 + len(command) + 1 + len(target.encode()) + 2 + 2
    return MAX_LINE_BYTES - overhead


def split_utf8(text: str, budget: int) -> list[str]:
    """Cut `text` into pieces of at most `budget` UTF-8 bytes.

    Cuts at the last space that leaves a piece at least half full (the space is
    dropped, so `" ".join` gives the text back); otherwise at a character
    boundary, never inside a multi-byte character.
    """
    if budget < 4:
        raise ValueError("budget too small for one UTF-8 character")
    pieces: list[str] = []
    rest = text
    while len(rest.encode("utf-8")) > budget:
        encoded = rest.encode("utf-8")
        cut = budget
        while cut > 0 and (encoded[cut] & 0xC0) == 0x80:
            cut -= 1  # back off a continuation byte: never split a character
        head = encoded[:cut].decode("utf-8")
        space = head.rfind(" ")
        if space >= len(head) // 2:
            pieces.append(head[:space])
            rest = rest[space + 1 :]
        else:
            pieces.append(head)
            rest = rest[len(head) :]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def irc_lower(name: str, casemapping: str = "rfc1459") -> str:
    """Case-fold a nick or channel the way the server compares them (CASEMAPPING)."""
    lowered = "".join(c.lower() if "A" <= c <= "Z" else c for c in name)
    if casemapping in ("rfc1459", "strict-rfc1459"):
        table = {"[": "{", "]": "}", "\\": "|"}
        if casemapping == "rfc1459":
            table["~"] = "^"
        lowered = "".join(table.get(c, c) for c in lowered)
    return lowered
