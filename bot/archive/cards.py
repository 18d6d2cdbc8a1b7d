"""What a clip looks like in a chat: queued, in progress, failed, and the finished card.

The same message is edited from one state to the next, so every state is one
`OutgoingMessage` rendered in the language of the room that asked.
"""

from __future__ import annotations

from pathlib import Path

from bot.domain.clips import (
    Clip,
    Progress,
    format_duration,
    format_size,
    format_speed,
    progress_bar,
)
from bot.domain.messages import OutgoingMessage, Span
from bot.domain.ranges import format_clock
from bot.i18n import spans, text

SHA_PREFIX = 12


def range_label(clip: Clip, lang: str, max_section: float | None = None) -> str:
    """The range as asked; with `max_section`, an open end says where it will stop at most."""
    if clip.range.is_whole:
        return text(lang, "clip.range_whole")
    if clip.range.end is None:
        start = format_clock(clip.range.start)
        if max_section is not None:
            return text(
                lang, "clip.range_from_capped", start=start, limit=format_clock(max_section)
            )
        return text(lang, "clip.range_from", start=start)
    return str(clip.range)


def render_queued(clip: Clip, lang: str, max_section: float | None = None) -> OutgoingMessage:
    label = range_label(clip, lang, max_section)
    return OutgoingMessage(spans(lang, "clip.queued", id=clip.short_id, range=label, url=clip.url))


def render_progress(clip: Clip, lang: str, progress: Progress) -> OutgoingMessage:
    eta = "?" if progress.eta is None else format_duration(progress.eta)
    return OutgoingMessage(
        spans(
            lang,
            "clip.progress",
            id=clip.short_id,
            bar=progress_bar(progress.fraction),
            size=format_size(progress.downloaded),
            speed=format_speed(progress.speed),
            eta=eta,
        )
    )


def where(clip: Clip, archive_dir: Path | None = None) -> str:
    """Where to get the file: for now its place in the archive (uploads come with transports)."""
    if clip.path is None:
        return "?"
    path = Path(clip.path)
    if archive_dir is not None:
        try:
            return f"{archive_dir.name}/{path.relative_to(archive_dir)}"
        except ValueError:
            pass
    return str(path)


def render_card(
    clip: Clip, lang: str, archive_dir: Path | None = None, link: str | None = None
) -> OutgoingMessage:
    """The finished clip; with `link` (the web server's address of the file) the card
    says where to watch or download it, for platforms that take no upload and files
    too big for the ones that do."""
    title = clip.title or clip.url
    values: dict[str, object] = {
        "id": clip.short_id,
        "title": title[:200],
        "source": (clip.webpage_url or clip.url)[:300],
        "range": range_label(clip, lang),
        "duration": format_duration(clip.duration),
        "size": format_size(clip.size),
        "sha": (clip.sha256 or "")[:SHA_PREFIX],
        "requester": clip.requester_name,
    }
    if link:
        lines = spans(lang, "clip.card_link", link=link, **values)
    else:
        lines = spans(lang, "clip.card", where=where(clip, archive_dir), **values)
    return OutgoingMessage(lines)


def render_video(clip: Clip, lang: str) -> OutgoingMessage | None:
    """The clip itself, for platforms that take uploads (the card says the rest)."""
    if clip.path is None:
        return None
    caption = spans(
        lang,
        "clip.video_caption",
        id=clip.short_id,
        title=(clip.title or clip.url)[:200],
        duration=format_duration(clip.duration),
    )
    return OutgoingMessage(caption, video=clip.path)


def render_failure(clip: Clip, lang: str) -> OutgoingMessage:
    reason = clip.fail_reason or "failed"
    body = spans(
        lang,
        "clip.failed",
        id=clip.short_id,
        why=text(lang, f"clip.fail.{reason}"),
    )
    return OutgoingMessage(body, is_error=True)


def render_line(clip: Clip, lang: str) -> Span:
    """One line of `clips`: id, state, title or URL, range."""
    title = clip.title or clip.url
    if len(title) > 70:
        title = title[:69] + "…"
    state = text(lang, f"clip.state.{clip.status.value}")
    return Span(
        text(
            lang,
            "clips.line",
            id=clip.short_id,
            state=state,
            title=title,
            range=range_label(clip, lang),
        )
    )
