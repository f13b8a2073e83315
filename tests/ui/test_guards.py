"""Server-side role checks on the real UI callbacks: hiding a tab is not the only protection."""

from __future__ import annotations

import inspect

import pytest

from hub.auth import Principal, Role
from ui.app import build_ui
from ui.session import TAB_ROLES, Denied, tabs_for


def guarded_callbacks(blocks) -> list:  # type: ignore[no-untyped-def]
    fns = [f.fn for f in blocks.fns.values() if hasattr(f.fn, "hub_tab")]
    return list({id(f): f for f in fns}.values())


def call_with(fn, principal):  # type: ignore[no-untyped-def]
    params = list(inspect.signature(fn.__wrapped__).parameters)[1:]
    return fn(principal, *[None] * len(params))


def test_every_tab_has_guarded_callbacks(hub) -> None:
    tabs = {f.hub_tab for f in guarded_callbacks(build_ui(lambda: hub))}
    assert tabs == set(TAB_ROLES)


@pytest.mark.parametrize("role", list(Role))
def test_callbacks_refuse_roles_without_the_tab(hub, role: Role) -> None:
    user, _ = hub.users.add(f"user-{role.value.replace('_', '-')}", role)
    who = Principal(user.id, user.name, role)
    refused = 0
    for fn in guarded_callbacks(build_ui(lambda: hub)):
        if role.value in TAB_ROLES[fn.hub_tab]:
            continue
        with pytest.raises(Denied, match="cannot use"):
            call_with(fn, who)
        refused += 1
    assert refused > 0


def test_callbacks_refuse_signed_out_sessions(hub) -> None:
    for fn in guarded_callbacks(build_ui(lambda: hub)):
        with pytest.raises(Denied, match="signed out"):
            call_with(fn, None)


def test_disabled_user_is_refused_at_next_click(hub) -> None:
    user, _ = hub.users.add("owner-to-disable", Role.content_owner)
    who = Principal(user.id, user.name, Role.content_owner)
    refresh = next(f for f in guarded_callbacks(build_ui(lambda: hub)) if f.__name__ == "on_refresh")
    call_with(refresh, who)  # works while enabled
    hub.users.disable(user.name)
    with pytest.raises(Denied, match="disabled"):
        call_with(refresh, who)


def test_tabs_per_role() -> None:
    def p(role: Role) -> Principal:
        return Principal("id", "someone", role)

    assert tabs_for(p(Role.msl)) == ["ask", "learn"]
    assert tabs_for(p(Role.content_owner)) == ["library"]
    assert tabs_for(p(Role.compliance)) == ["compliance"]
    assert tabs_for(p(Role.manager)) == ["analytics"]
    assert tabs_for(p(Role.admin)) == ["analytics", "users"]
    assert tabs_for(None) == []
