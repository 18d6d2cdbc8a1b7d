"""A coordinator's reach, as the SQL filter the dashboard's queries take."""

from __future__ import annotations

from bot.domain.tags import NATIONAL
from bot.store.dashboard import ScopeFilter
from bot.web.layout import Viewer


def scope_filter(viewer: Viewer) -> ScopeFilter:
    """Everything for a network coordinator; else their tags and what is network-wide
    (every spelling of `national`, since stored scopes keep tags as written)."""
    if viewer.view.network:
        return ScopeFilter(None)
    tags = set(viewer.view.sql_tags(viewer.aliases))
    tags.update(viewer.aliases.synonyms(NATIONAL))
    return ScopeFilter(tuple(sorted(tags)))
