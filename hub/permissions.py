"""The one permission table: which roles may do what (docs/governance.md).

The API guards every route with :func:`hub.auth.allow` over a :class:`Permission`, the web UI
shows and guards each tab by the permission in :data:`TAB_PERMISSIONS`, and the access-matrix
tests read :data:`PERMISSIONS` to know which role must get through. Changing a role's rights is
one edit here. No role holds every permission: an admin manages users and reads analytics only.
"""

from __future__ import annotations

from enum import StrEnum

from hub.principal import Role


class Permission(StrEnum):
    """Things a role may do; each API route and UI tab needs exactly one."""

    sign_in = "sign_in"
    ask = "ask"
    read_documents = "read_documents"
    manage_content = "manage_content"
    audit = "audit"
    manage_users = "manage_users"
    manage_quiz_items = "manage_quiz_items"
    learn = "learn"
    read_analytics = "read_analytics"


PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.sign_in: frozenset(Role),
    Permission.ask: frozenset({Role.msl}),
    Permission.read_documents: frozenset({Role.msl, Role.content_owner, Role.compliance}),
    Permission.manage_content: frozenset({Role.content_owner}),
    Permission.audit: frozenset({Role.compliance}),
    Permission.manage_users: frozenset({Role.admin}),
    Permission.manage_quiz_items: frozenset({Role.content_owner}),
    Permission.learn: frozenset({Role.msl}),
    Permission.read_analytics: frozenset({Role.manager, Role.admin}),
}

# Web UI tab -> the permission it needs, in display order.
TAB_PERMISSIONS: dict[str, Permission] = {
    "ask": Permission.ask,
    "learn": Permission.learn,
    "library": Permission.manage_content,
    "compliance": Permission.audit,
    "analytics": Permission.read_analytics,
    "users": Permission.manage_users,
}


def roles_for(permission: Permission) -> frozenset[Role]:
    """The roles holding ``permission``."""
    return PERMISSIONS[permission]
