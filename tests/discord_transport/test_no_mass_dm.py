"""Discord subscribers are notified by a role per scope, never by a queued DM."""

from __future__ import annotations

from bot.domain import Identity, Member, OutgoingMessage, TagAliases, Target, TargetKind
from bot.domain.fanout import plan_fanout
from bot.domain.scopes import roles_for_scope

ORIGIN = Target("console", TargetKind.ROOM, "#paris")


def _member(member_id: int, platform: str, subs: tuple[str, ...]) -> Member:
    identity = Identity(platform, f"u{member_id}", f"m{member_id}", dm_reachable=True)
    return Member(member_id, f"m{member_id}", None, True, platform, (identity,), (), subs)


def test_discord_subscribers_get_no_dm_but_console_subscribers_do() -> None:
    on_discord = _member(2, "discord", ("retraites",))
    on_console = _member(3, "console", ("retraites",))
    plan = plan_fanout(
        ("retraites",),
        [],
        [on_discord, on_console],
        TagAliases(),
        ORIGIN,
        1,
        frozenset({"discord"}),
    )
    assert [r.target.platform for r in plan.members] == ["console"]
    assert plan.notified_in_rooms == (on_discord,)
    assert plan.unreachable_members == ()


def test_roles_follow_the_same_rule_as_subscriptions() -> None:
    roles = {"retraites": "1", "dept:075": "2", "national": "3"}
    aliases = TagAliases({"pensions": "retraites"})
    assert roles_for_scope(("pensions",), roles, aliases) == ("3", "1")
    assert roles_for_scope(("dept:013",), roles, aliases) == ("3",)
    assert set(roles_for_scope(("national",), roles, aliases)) == {"1", "2", "3"}
    assert roles_for_scope(("dept:013",), {}, aliases) == ()


def test_outbox_rows_written_before_mention_tags_existed_still_load() -> None:
    old = {"spans": [["Alerte", "plain"]], "buttons": [], "is_error": False}
    assert OutgoingMessage.from_json(old).mention_tags == ()
    new = OutgoingMessage.plain("Alerte")
    tagged = OutgoingMessage(new.spans, mention_tags=("retraites",))
    assert OutgoingMessage.from_json(tagged.to_json()) == tagged
