from __future__ import annotations

import pytest

from bot.domain import (
    Grant,
    InvalidTag,
    Role,
    TagAliases,
    has_role,
    normalize_tag,
    plan_alias,
    scope_matches,
    subscription_matches,
)


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("#Insoumise", "insoumise"),
        ("insoumisé", "insoumise"),
        ("DEPT:075", "dept:075"),
        ("#circ:087-03", "circ:087-03"),
        ("Théme:Législatives", "theme:legislatives"),
    ],
)
def test_tags_ignore_case_accents_and_hash(raw: str, tag: str) -> None:
    assert normalize_tag(raw) == tag


@pytest.mark.parametrize("raw", ["", "#", "a b", "bad/tag", "x" * 65, "<script>", "-lead", "😀"])
def test_malformed_tags_are_refused(raw: str) -> None:
    with pytest.raises(InvalidTag):
        normalize_tag(raw)


def test_aliases_make_synonyms_equal_in_both_directions() -> None:
    aliases = TagAliases(plan_alias(TagAliases(), "insoumise", "insoumis"))
    assert scope_matches(["insoumise"], ["insoumis"], aliases)
    assert scope_matches(["insoumis"], ["insoumise"], aliases)
    assert not scope_matches(["insoumis"], ["retraites"], aliases)


def test_alias_chains_stay_flat() -> None:
    aliases = TagAliases(plan_alias(TagAliases(), "a", "b"))
    aliases = TagAliases({**aliases.mapping, **plan_alias(aliases, "b", "c")})
    assert aliases.canonical("a") == aliases.canonical("b") == aliases.canonical("c")
    assert all(target not in aliases.mapping for target in aliases.mapping.values())
    assert plan_alias(aliases, "a", "c") == {}


def test_untagged_and_national_alerts_reach_everything() -> None:
    none = TagAliases()
    assert scope_matches([], ["dept:069"], none)
    assert scope_matches(["national"], ["dept:069"], none)
    assert scope_matches([], [], none)


def test_tagged_alerts_reach_matching_or_national_rooms_only() -> None:
    none = TagAliases()
    assert scope_matches(["retraites"], ["theme:x", "retraites"], none)
    assert scope_matches(["retraites"], ["national"], none)
    assert not scope_matches(["retraites"], ["dept:069"], none)
    assert not scope_matches(["retraites"], [], none)


def test_members_without_subscriptions_get_nothing() -> None:
    assert not subscription_matches([], [], TagAliases())
    assert subscription_matches([], ["dept:075"], TagAliases())
    assert subscription_matches(["dept:075"], ["national"], TagAliases())


def test_scoped_roles_cover_only_their_scope_and_every_tag_of_it() -> None:
    grants = (Grant(Role.MEMBER), Grant(Role.COORDINATOR, "dept:069"))
    none = TagAliases()
    assert has_role(grants, Role.COORDINATOR, ["dept:069"], none)
    assert not has_role(grants, Role.COORDINATOR, ["dept:069", "retraites"], none)
    assert not has_role(grants, Role.COORDINATOR, ["dept:069", "national"], none)
    assert not has_role(grants, Role.COORDINATOR, ["dept:075"], none)
    assert not has_role(grants, Role.COORDINATOR, None, none)
    assert has_role(grants, Role.MEMBER, None, none)
    assert has_role((Grant(Role.ADMIN),), Role.COORDINATOR, ["anything"], none)
    aliased = TagAliases({"rhone": "dept:069"})
    assert has_role((Grant(Role.COORDINATOR, "rhone"),), Role.COORDINATOR, ["dept:069"], aliased)


def test_roles_are_ordered() -> None:
    assert Role.GUEST < Role.MEMBER < Role.COORDINATOR < Role.ADMIN
    assert Role.from_name("Coordinateur") is Role.COORDINATOR
