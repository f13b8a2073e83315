"""What every core router needs: the hub of the running app and the signed-in principal, by permission."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.auth import Principal, allow
from hub.permissions import Permission
from hub.service import Hub


def the_hub(request: Request) -> Hub:
    """The :class:`Hub` the app was built with (or built at start-up)."""
    hub: Hub = request.app.state.hub
    return hub


# The signed-in principal, if their role holds the permission (hub.permissions is the one table).
SignedIn = Annotated[Principal, Depends(allow(Permission.sign_in))]
Asker = Annotated[Principal, Depends(allow(Permission.ask))]
DocumentReader = Annotated[Principal, Depends(allow(Permission.read_documents))]
ContentManager = Annotated[Principal, Depends(allow(Permission.manage_content))]
Auditor = Annotated[Principal, Depends(allow(Permission.audit))]
UserManager = Annotated[Principal, Depends(allow(Permission.manage_users))]
