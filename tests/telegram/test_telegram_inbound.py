"""What a Telegram update means to the bot."""

from __future__ import annotations

from typing import Any

from telegram import Bot, Update

from bot.transports.telegram import ChatMoved, parse_address, parse_update

BOT = Bot("1:x")
ALICE = {"id": 7, "is_bot": False, "first_name": "Alice", "last_name": "Martin"}
GROUP = {"id": -100123, "type": "supergroup", "title": "Paris"}


def update(**fields: Any) -> Update:
    parsed = Update.de_json({"update_id": 1, **fields}, BOT)
    assert parsed is not None
    return parsed


def message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 5, "date": 0, "chat": GROUP, "from": ALICE, **fields}


def test_group_command_keeps_the_addressee_for_the_dispatcher() -> None:
    incoming = parse_update(update(message=message(text="/alert@riposte_bot x")))
    assert incoming is not None and not isinstance(incoming, ChatMoved)
    assert (incoming.chat_id, incoming.user_id, incoming.display_name) == (
        "-100123",
        "7",
        "Alice Martin",
    )
    assert incoming.text == "/alert@riposte_bot x" and not incoming.is_private


def test_topic_message_is_addressed_to_the_topic_but_a_plain_reply_is_not() -> None:
    in_topic = parse_update(
        update(message=message(text="/link", message_thread_id=9, is_topic_message=True))
    )
    reply = parse_update(update(message=message(text="/link", message_thread_id=9)))
    assert in_topic is not None and in_topic.chat_id == "-100123:9"  # type: ignore[union-attr]
    assert reply is not None and reply.chat_id == "-100123"  # type: ignore[union-attr]
    assert parse_address("-100123:9") == (-100123, 9)
    assert parse_address("42") == (42, None)


def test_other_bots_edits_and_non_text_are_ignored() -> None:
    other_bot = {"id": 8, "is_bot": True, "first_name": "Other"}
    assert parse_update(update(message=message(text="/help", **{"from": other_bot}))) is None
    assert parse_update(update(edited_message=message(text="/help"))) is None
    assert parse_update(update(message=message())) is None


def test_migration_service_message_moves_the_chat() -> None:
    moved = parse_update(
        update(
            message=message(
                chat={"id": -5, "type": "group", "title": "G"}, migrate_to_chat_id=-1005
            )
        )
    )
    assert moved == ChatMoved("-5", "-1005")
