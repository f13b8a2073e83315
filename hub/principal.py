"""Who acts: the roles of docs/governance.md and the principal every audited action names.

Kept apart from :mod:`hub.auth` (which stores users and keys and audits changes to them) so that
the audit log can name principals without importing the user store.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    msl = "msl"
    content_owner = "content_owner"
    compliance = "compliance"
    manager = "manager"
    admin = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is acting. ``is_system`` marks maintenance actions (CLI, expiry sweep), not a person's."""

    user_id: str
    name: str
    role: Role
    is_system: bool = False
    operator: str = ""
    """Who actually ran the action when it is not the user themself (``hub ask --user NAME``), else empty."""

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        return cls(user_id="system", name=name, role=Role.admin, is_system=True)

    @property
    def role_label(self) -> str:
        """The role written to the audit log (``system`` for maintenance actions)."""
        return "system" if self.is_system else str(self.role)
