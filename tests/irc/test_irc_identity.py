"""Who is speaking on IRC: services accounts, not nicks, unless trust_nicks says so."""

from __future__ import annotations

from bot.domain.messages import IncomingMessage
from bot.transports.irc.inbound import Identities, to_incoming
from bot.transports.irc.protocol import irc_lower, parse


def _incoming(
    line: str,
    identities: Identities | None = None,
    *,
    trust_nicks: bool = False,
    account_tag: bool = False,
) -> IncomingMessage | None:
    ids = identities or Identities.create(irc_lower)
    msg = parse(line)
    ids.observe(msg, account_tag)
    return to_incoming(
        msg,
        own_nick="riposte",
        is_channel=lambda name: name.startswith("#"),
        lower=irc_lower,
        identities=ids,
        trust_nicks=trust_nicks,
    )


def test_account_tag_makes_the_account_the_identity_whatever_the_nick() -> None:
    got = _incoming("@account=Alice :mallory!~m@h PRIVMSG #lyon :!link", account_tag=True)
    assert got is not None
    assert (got.user_id, got.identified, got.display_name) == ("alice", True, "mallory")


def test_a_nick_without_account_is_unidentified_and_cannot_be_mistaken_for_one() -> None:
    got = _incoming(":alice!~a@h PRIVMSG #lyon :!link", account_tag=True)
    assert got is not None
    assert got.identified is False
    assert got.user_id == "~alice"


def test_extended_join_account_notify_and_whox_teach_accounts() -> None:
    ids = Identities.create(irc_lower)
    _incoming(":bob!~b@h JOIN #lyon bobacct :Bob B", ids)
    got = _incoming(":bob!~b@h PRIVMSG #lyon :!ack A1", ids)
    assert got is not None and (got.user_id, got.identified) == ("bobacct", True)
    _incoming(":bob!~b@h ACCOUNT *", ids)
    got = _incoming(":bob!~b@h PRIVMSG #lyon :!ack A1", ids)
    assert got is not None and (got.user_id, got.identified) == ("~bob", False)
    _incoming(":srv 354 riposte 71 carol carolacct", ids)
    got = _incoming(":carol!~c@h PRIVMSG #lyon :!ack A1", ids)
    assert got is not None and got.user_id == "carolacct"
    assert ids.nick_of("carolacct") == "carol"


def test_an_account_is_forgotten_when_its_nick_parts_is_kicked_quits_or_changes() -> None:
    """Without account-tag, a nick that left our sight may be anyone's when it comes back."""
    for leaving in (
        ":alice!~a@h PART #lyon :bye",
        ":op!~o@h KICK #lyon alice :out",
        ":alice!~a@h QUIT :Quit: bye",
        ":alice!~a@h NICK alice_away",
    ):
        ids = Identities.create(irc_lower)
        _incoming(":alice!~a@h JOIN #lyon aliceacct :Alice", ids)
        _incoming(leaving, ids)
        # Someone else takes the nick "alice" (no account, no extended JOIN seen).
        got = _incoming(":alice!~m@elsewhere PRIVMSG #lyon :!link", ids)
        assert got is not None and (got.user_id, got.identified) == ("~alice", False), leaving
        assert ids.nick_of("aliceacct") is None, leaving
    ids = Identities.create(irc_lower)
    _incoming(":alice!~a@h JOIN #lyon aliceacct :Alice", ids)
    _incoming(":alice!~a@h NICK alice_away", ids)
    got = _incoming(":alice_away!~a@h PRIVMSG #lyon :!ack A1", ids)
    assert got is not None and got.identified is False  # asked again before it counts


def test_trust_nicks_makes_the_nick_the_identity() -> None:
    got = _incoming(":Alice!~a@h PRIVMSG #lyon :!link", trust_nicks=True)
    assert got is not None and (got.user_id, got.identified) == ("alice", True)


def test_commands_in_channels_private_and_addressed_by_nick() -> None:
    got = _incoming(":a!~a@h PRIVMSG #Lyon :riposte: alert fuite", trust_nicks=True)
    assert got is not None and got.text == "!alert fuite" and got.chat_id == "#lyon"
    got = _incoming(":a!~a@h PRIVMSG riposte :help", trust_nicks=True)
    assert got is not None and got.is_private and got.text == "!help" and got.chat_id == "a"
    got = _incoming(":a!~a@h PRIVMSG #lyon :bonjour tout le monde", trust_nicks=True)
    assert got is not None and got.text == "bonjour tout le monde"


def test_ctcp_and_own_echo_are_not_messages() -> None:
    assert _incoming(":a!~a@h PRIVMSG #lyon :\x01ACTION waves\x01") is None
    assert _incoming(":riposte!~r@h PRIVMSG #lyon :!help") is None
    assert _incoming(":a!~a@h NOTICE #lyon :!help") is None
