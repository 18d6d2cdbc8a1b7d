"""IRC traffic in: who is speaking, and which lines are commands.

A nick is not an identity: anyone may take a free nick. The identity of an
IRC user is their services account, when the server tells it: the IRCv3
`account-tag` on each message, `extended-join` and `account-notify` for the
people we share channels with, and WHOX replies to the `WHO` we send on
joining. `admins = ["irc:alice"]` then means the *account* alice.

What we learn from `extended-join` and `account-notify` holds only while the
person stays where we see them: an account is forgotten when its nick parts,
is kicked, quits or changes nick, since the nick may then be taken by anyone.
Without `account-tag`, the account of whoever types a command is asked again
(WHOX, else WHOIS) unless it was checked in the last few seconds.

Without any of these (small servers with no services), `trust_nicks = true`
makes the nick the identity. Otherwise a speaker without a known account gets
the user id `~nick` and `identified=False`: the id can never be mistaken for
an account's, and the dispatcher refuses anything beyond guest commands with
a message that says why.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.messages import IncomingMessage
from bot.transports.irc.protocol import Message
from bot.transports.irc.render import strip_formatting

PLATFORM = "irc"
UNIDENTIFIED_PREFIX = "~"
WHOX_TOKEN = "71"
CHECK_SECONDS = 5.0
"""How long an account checked with WHOX/WHOIS is trusted for the commands of that nick."""


@dataclass(slots=True)
class Identities:
    """What the server told us about who is logged in to which account.

    `accounts` maps a case-folded nick to its account, or to None when the
    server said that nick is not logged in. A nick we know nothing about is
    absent. `nicks` is the reverse, to reach an account by private message.
    """

    lower: Callable[[str], str]
    accounts: dict[str, str | None]
    nicks: dict[str, str]
    checked: dict[str, tuple[str | None, float]]
    """Case-folded nick -> (account or None, monotonic time) of the last WHOX/WHOIS answer."""

    @classmethod
    def create(cls, lower: Callable[[str], str]) -> Identities:
        return cls(lower, {}, {}, {})

    def clear(self) -> None:
        self.accounts.clear()
        self.nicks.clear()
        self.checked.clear()

    def forget(self, nick: str) -> None:
        """The nick left our sight (or changed): whoever uses it next is unknown."""
        key = self.lower(nick)
        self.checked.pop(key, None)
        account = self.accounts.pop(key, None)
        if account is not None and self.lower(self.nicks.get(self.lower(account), "")) == key:
            del self.nicks[self.lower(account)]

    def remember_check(self, nick: str, account: str | None, now: float) -> None:
        self.checked[self.lower(nick)] = (account, now)
        self._set(nick, account)

    def recent_check(self, nick: str, now: float) -> tuple[str | None] | None:
        """(account,) when checked within `CHECK_SECONDS`, else None."""
        found = self.checked.get(self.lower(nick))
        if found is None or now - found[1] > CHECK_SECONDS:
            return None
        return (found[0],)

    def learn(self, nick: str, account: str | None) -> None:
        """What an extended JOIN, an ACCOUNT line or a WHOX reply says about `nick`."""
        self._set(nick, account)

    def _set(self, nick: str, account: str | None) -> None:
        if account in (None, "", "*", "0"):
            self.accounts[self.lower(nick)] = None
            return
        assert account is not None
        self.accounts[self.lower(nick)] = account
        self.nicks[self.lower(account)] = nick

    def observe(self, msg: Message, account_tag: bool) -> None:
        """Learn from any line (tags, extended JOIN, ACCOUNT, WHOX replies) and forget on
        PART, KICK, QUIT and NICK."""
        nick = msg.nick
        if msg.command in ("QUIT", "PART", "NICK") and nick:
            self.forget(nick)
            if msg.command == "NICK":
                self.forget(msg.param(0))
                if account_tag and "!" in (msg.prefix or ""):
                    self._set(msg.param(0), msg.tags.get("account"))
            return
        if msg.command == "KICK" and len(msg.params) >= 2:
            self.forget(msg.params[1])  # KICK #chan victim :reason
            return
        if nick and account_tag and "!" in (msg.prefix or ""):
            self._set(nick, msg.tags.get("account"))
        if msg.command == "JOIN" and nick and len(msg.params) >= 3:
            self._set(nick, msg.params[1])  # extended-join: JOIN #chan account :realname
        elif msg.command == "ACCOUNT" and nick:
            self.checked.pop(self.lower(nick), None)
            self._set(nick, msg.param(0))
        elif msg.command == "354" and len(msg.params) >= 4 and msg.params[1] == WHOX_TOKEN:
            self._set(msg.params[2], msg.params[3])  # 354 me 71 nick account

    def account_of(self, nick: str) -> str | None:
        return self.accounts.get(self.lower(nick))

    def nick_of(self, account: str) -> str | None:
        return self.nicks.get(self.lower(account))


def _addressed(text: str, own_nick: str, lower: Callable[[str], str]) -> str | None:
    """`riposte: help` or `riposte, help` -> `help`; None when not addressed to us."""
    match = re.match(r"^\s*([^\s:,]+)[:,]\s*(.*)$", text, re.DOTALL)
    if match and lower(match.group(1)) == lower(own_nick) and match.group(2).strip():
        return match.group(2).strip()
    return None


def _as_command(text: str) -> str:
    return text if text.startswith(("!", "/")) else "!" + text


def is_command(message: IncomingMessage) -> bool:
    """A line the dispatcher will read as a command (private lines always are)."""
    return message.text.startswith(("!", "/"))


def with_account(
    message: IncomingMessage, account: str | None, lower: Callable[[str], str]
) -> IncomingMessage:
    """The message as spoken by `account` (or by nobody known, `~nick`)."""
    nick = message.username or message.display_name
    if account:
        user_id, identified = lower(account), True
    else:
        user_id, identified = UNIDENTIFIED_PREFIX + lower(nick), False
    chat_id = user_id if message.is_private else message.chat_id
    return dataclasses.replace(message, user_id=user_id, identified=identified, chat_id=chat_id)


def to_incoming(
    msg: Message,
    *,
    own_nick: str,
    is_channel: Callable[[str], bool],
    lower: Callable[[str], str],
    identities: Identities,
    trust_nicks: bool,
) -> IncomingMessage | None:
    """A PRIVMSG as an IncomingMessage, or None for anything else (CTCP, our own echo)."""
    if msg.command != "PRIVMSG" or len(msg.params) < 2 or not msg.nick:
        return None
    nick = msg.nick
    if lower(nick) == lower(own_nick):
        return None
    raw = msg.params[1]
    if raw.startswith("\x01"):
        return None  # CTCP (ACTION, VERSION...): not a command
    text = strip_formatting(raw).strip()
    if not text:
        return None
    target = msg.params[0]
    private = not is_channel(target)
    if private:
        text = _as_command(_addressed(text, own_nick, lower) or text)
    else:
        addressed = _addressed(text, own_nick, lower)
        if addressed is not None:
            text = _as_command(addressed)
    if trust_nicks:
        user_id, identified = lower(nick), True
    else:
        account = identities.account_of(nick)
        if account:
            user_id, identified = lower(account), True
        else:
            user_id, identified = UNIDENTIFIED_PREFIX + lower(nick), False
    return IncomingMessage(
        platform=PLATFORM,
        chat_id=user_id if private else lower(target),
        user_id=user_id,
        display_name=nick,
        text=text,
        is_private=private,
        username=nick,
        chat_title=None if private else target,
        identified=identified,
    )
