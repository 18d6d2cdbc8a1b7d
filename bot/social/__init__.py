"""Posting to social accounts: Mastodon (Mastodon.py), Bluesky (atproto), X (tweepy).

One module per network behind one small interface (`Poster`): `post` one text
(with a video, where it fits), `server_limits` (what the server says about
itself), `close`. Network calls never block the event loop: the Bluesky SDK
is asynchronous, Mastodon.py and tweepy's requests-based clients run in
daemon threads (`threads.py`), and every call is bounded by `[push] timeout`.
"""

from bot.social.accounts import build_posters
from bot.social.base import Post, Posted, Poster, ServerLimits, SocialError

__all__ = ["Post", "Posted", "Poster", "ServerLimits", "SocialError", "build_posters"]
