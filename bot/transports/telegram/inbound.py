"""Telegram updates in, platform-neutral `IncomingMessage`s out.

Addresses: a chat is its numeric id (`-1001234567890`); a forum topic is
`chat:topic` (`-1001234567890:42`), so a topic can be linked as a room of its
own and replies land in the topic they answer. Private chats are the user id.

Who speaks: a user, or, in a channel's discussion group, the channel itself
(posts forwarded from the channel, and members writing "as the channel"), or
the group itself for anonymous admins. In those cases the identity is the
sender chat: Telegram gives no user behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import CallbackQuery, Chat, Message, Update

from bot.domain.messages import IncomingMessage

PLATFORM = "telegram"


@dataclass(frozen=True, slots=True)
class ChatMoved:
    """A group became a supergroup and changed id; linked rooms must follow."""

    old_chat_id: str
    new_chat_id: str


def room_address(chat_id: int, topic_id: int | None = None) -> str:
    return str(chat_id) if topic_id is None else f"{chat_id}:{topic_id}"


def parse_address(address: str) -> tuple[int, int | None]:
    """(chat id, forum topic id or None) from a room or user address."""
    chat, _, topic = address.partition(":")
    return int(chat), (int(topic) if topic else None)


def _topic(message: Message) -> int | None:
    # In a non-forum supergroup a reply also carries message_thread_id: only topics count.
    return message.message_thread_id if message.is_topic_message else None


def _from_message(message: Message) -> IncomingMessage | None:
    text = message.text
    if not text:
        return None
    chat = message.chat
    sender_chat = message.sender_chat
    if sender_chat is not None:
        user_id = str(sender_chat.id)
        display = sender_chat.title or sender_chat.username or user_id
        username = sender_chat.username
    elif message.from_user is not None and not message.from_user.is_bot:
        user = message.from_user
        user_id, display, username = str(user.id), user.full_name, user.username
    else:
        return None  # other bots, and service messages without a sender
    private = chat.type == Chat.PRIVATE
    return IncomingMessage(
        platform=PLATFORM,
        chat_id=str(chat.id) if private else room_address(chat.id, _topic(message)),
        user_id=user_id,
        display_name=display,
        text=text,
        is_private=private,
        username=username,
        chat_title=None if private else (chat.title or chat.username),
        message_id=str(message.message_id),
    )


def _from_callback(query: CallbackQuery) -> IncomingMessage | None:
    """A button press is the command the button stands for, typed where the button is."""
    if not query.data or query.from_user.is_bot:
        return None
    user = query.from_user
    source = query.message
    if source is None:  # a button on an inline-mode message: answer privately
        chat_id, private, title, topic = user.id, True, None, None
    else:
        chat = source.chat
        private = chat.type == Chat.PRIVATE
        chat_id, title = chat.id, chat.title or chat.username
        topic = _topic(source) if isinstance(source, Message) else None
    return IncomingMessage(
        platform=PLATFORM,
        chat_id=str(chat_id) if private else room_address(chat_id, topic),
        user_id=str(user.id),
        display_name=user.full_name,
        text=query.data,
        is_private=private,
        username=user.username,
        chat_title=None if private else title,
        message_id=None,
    )


def parse_update(update: Update) -> IncomingMessage | ChatMoved | None:
    """What an update means for the bot, or None when it means nothing."""
    if update.callback_query is not None:
        return _from_callback(update.callback_query)
    message = update.message
    if message is None:
        return None  # edits, channel posts, membership changes: not commands
    if message.migrate_to_chat_id is not None:
        return ChatMoved(str(message.chat.id), str(message.migrate_to_chat_id))
    return _from_message(message)
