"""The clip archive: yt-dlp + ffmpeg jobs in a separate process, URL policy, storage.

Modules: `url_policy` (what may be fetched), `fetch_guard` (the proxy in the
worker every request goes through), `guard_urls` (the URLs the downloaders
see), `worker` (the process that runs yt-dlp), `runner` (starts and kills it
from asyncio), `storage` (files by sha256), `quota` (the disk quota),
`service` (the queue, progress edits), `cards` (chat rendering), `ffmpeg`
(finding it without apt). Nothing is re-exported here on purpose:
`python -m bot.archive.worker` starts once per clip, and importing the
service, the store and aiosqlite with it cost ~0.2 s per clip (see bench/archive.py).
"""
