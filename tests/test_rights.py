"""Who may do what over which scope: the pure rules every privileged command checks."""

from __future__ import annotations

from bot.domain import Grant, Member, Role, TagAliases
from bot.domain.rights import (
    alert_limit_applies,
    alert_refusal,
    default_alert_scope,
    invite_allowance,
    may_attach_clip,
    may_cancel_alert,
    may_decide_request,
    may_grant_role,
    may_manage_room,
    may_read_audit,
    may_redefine_scopes,
    removal_refusal,
)

NONE = TagAliases()
NETWORK_ADMIN = (Grant(Role.MEMBER), Grant(Role.ADMIN))
LYON_ADMIN = (Grant(Role.MEMBER), Grant(Role.ADMIN, "dept:069"))
LYON_COORD = (Grant(Role.MEMBER), Grant(Role.COORDINATOR, "dept:069"))
MEMBER = (Grant(Role.MEMBER),)


def test_a_scoped_admin_manages_rooms_of_their_scope_only_before_and_after() -> None:
    assert may_manage_room(LYON_ADMIN, None, ("dept:069",), NONE)  # link a new room
    assert may_manage_room(LYON_ADMIN, ("dept:069",), ("dept:069", "theme:x"), NONE) is False
    assert not may_manage_room(LYON_ADMIN, ("dept:075",), ("dept:069",), NONE)  # take Paris
    assert not may_manage_room(LYON_ADMIN, ("dept:069",), ("dept:075",), NONE)  # give it away
    assert not may_manage_room(LYON_ADMIN, ("dept:069", "dept:075"), None, NONE)  # unlink
    assert not may_manage_room(LYON_ADMIN, None, (), NONE)  # untagged: network-wide
    assert not may_manage_room(LYON_ADMIN, (), ("dept:069",), NONE)  # retag a network room
    assert not may_manage_room(LYON_ADMIN, ("dept:069",), ("dept:069", "national"), NONE)
    assert may_manage_room(NETWORK_ADMIN, ("dept:075",), None, NONE)


def test_aliases_and_national_grants_follow_the_same_rule() -> None:
    aliases = TagAliases({"rhone": "dept:069"})
    assert may_manage_room(LYON_ADMIN, ("rhone",), ("rhone",), aliases)
    national_admin = (Grant(Role.ADMIN, "national"),)
    assert may_manage_room(national_admin, (), ("dept:075",), NONE)


def test_synonyms_and_role_maps_need_a_network_admin() -> None:
    assert not may_redefine_scopes(LYON_ADMIN, NONE)
    assert may_redefine_scopes(NETWORK_ADMIN, NONE)


def test_roles_are_granted_over_a_scope_one_holds() -> None:
    assert may_grant_role(LYON_ADMIN, "dept:069", NONE)
    assert not may_grant_role(LYON_ADMIN, "dept:075", NONE)
    assert not may_grant_role(LYON_ADMIN, None, NONE)
    assert not may_grant_role(LYON_ADMIN, "national", NONE)
    assert may_grant_role(NETWORK_ADMIN, None, NONE)


def test_cancel_needs_the_author_or_a_coordinator_over_every_tag() -> None:
    assert may_cancel_alert(7, MEMBER, 7, ("dept:075",), NONE)
    assert may_cancel_alert(8, LYON_COORD, 7, ("dept:069",), NONE)
    assert not may_cancel_alert(8, LYON_COORD, 7, ("national", "dept:069"), NONE)
    assert not may_cancel_alert(8, LYON_COORD, 7, ("dept:069", "dept:075"), NONE)
    assert not may_cancel_alert(8, LYON_COORD, 7, (), NONE)


def test_clips_attach_for_author_coordinators_and_task_claimers() -> None:
    assert may_attach_clip(7, MEMBER, 7, ("dept:075",), NONE)
    assert may_attach_clip(8, LYON_COORD, 7, ("dept:069",), NONE)
    assert not may_attach_clip(9, MEMBER, 7, ("dept:069",), NONE)
    assert may_attach_clip(9, MEMBER, 7, ("dept:069",), NONE, task_claimers={9})


def test_requests_are_decided_by_coordinators_of_the_scope_they_were_made_in() -> None:
    assert may_decide_request(LYON_COORD, ("dept:069",), NONE)
    assert not may_decide_request(LYON_COORD, (), NONE)  # made in private
    assert may_decide_request(NETWORK_ADMIN, (), NONE)


def _member(member_id: int, grants: tuple[Grant, ...], scope: tuple[str, ...] = ()) -> Member:
    return Member(member_id, f"m{member_id}", None, True, "console", grants=grants, scope=scope)


def test_removal_follows_the_scope_one_came_in_through_and_protects_roles() -> None:
    coord = _member(1, LYON_COORD)
    assert removal_refusal(coord, _member(2, MEMBER, ("dept:069",)), NONE,
                           target_is_config_admin=False) is None
    assert removal_refusal(coord, _member(2, MEMBER, ("dept:075",)), NONE,
                           target_is_config_admin=False) == "remove.scope"
    assert removal_refusal(coord, _member(2, LYON_COORD, ("dept:069",)), NONE,
                           target_is_config_admin=False) == "remove.privileged"
    assert removal_refusal(coord, coord, NONE, target_is_config_admin=False) == "remove.self"
    admin = _member(3, NETWORK_ADMIN)
    assert removal_refusal(admin, _member(4, NETWORK_ADMIN), NONE,
                           target_is_config_admin=True) == "remove.config_admin"
    assert removal_refusal(admin, _member(4, LYON_COORD), NONE,
                           target_is_config_admin=False) is None


def test_a_members_untagged_alert_stays_in_the_rooms_scope() -> None:
    assert default_alert_scope((), ("dept:069",), MEMBER, NONE,
                               national_by_members=False) == ("dept:069",)
    assert default_alert_scope((), ("dept:069",), NETWORK_ADMIN, NONE,
                               national_by_members=False) == ()
    assert default_alert_scope((), ("national",), MEMBER, NONE, national_by_members=False) == ()
    assert default_alert_scope((), None, MEMBER, NONE, national_by_members=False) == ()
    assert default_alert_scope(("x",), ("dept:069",), MEMBER, NONE,
                               national_by_members=False) == ("x",)
    assert default_alert_scope((), ("dept:069",), MEMBER, NONE, national_by_members=True) == ()


def test_network_wide_and_many_tagged_alerts_are_for_coordinators() -> None:
    def refusal(grants: tuple[Grant, ...], scope: tuple[str, ...], **kw: bool) -> str | None:
        return alert_refusal(grants, scope, NONE, national_by_members=kw.get("wide", False),
                             member_max_tags=3)

    assert refusal(MEMBER, ()) == "alert.national_refused"
    assert refusal(MEMBER, ("national", "dept:069")) == "alert.national_refused"
    assert refusal(LYON_COORD, ()) == "alert.national_refused"
    assert refusal(MEMBER, (), wide=True) is None
    assert refusal(NETWORK_ADMIN, ()) is None
    assert refusal(MEMBER, ("a", "b", "c")) is None
    assert refusal(MEMBER, ("a", "b", "c", "d")) == "alert.too_many_tags"
    many = (Grant(Role.COORDINATOR, "a"), Grant(Role.COORDINATOR, "b"),
            Grant(Role.COORDINATOR, "c"), Grant(Role.COORDINATOR, "d"))
    assert refusal(many, ("a", "b", "c", "d")) is None


def test_only_coordinators_of_the_scope_escape_the_hourly_limit() -> None:
    assert alert_limit_applies(MEMBER, ("dept:069",), NONE)
    assert not alert_limit_applies(LYON_COORD, ("dept:069",), NONE)
    assert alert_limit_applies(LYON_COORD, ("dept:075",), NONE)


def test_members_invite_within_their_cap_coordinators_without() -> None:
    assert invite_allowance(MEMBER, 10, 3) == 7
    assert invite_allowance(MEMBER, 10, 12) == 0
    assert invite_allowance(LYON_COORD, 10, 500) is None


def test_the_audit_log_is_for_network_admins() -> None:
    assert may_read_audit(NETWORK_ADMIN, NONE)
    assert not may_read_audit(LYON_ADMIN, NONE)
