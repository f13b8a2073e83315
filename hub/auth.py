"""Users, roles and API keys, and the FastAPI dependency that guards every endpoint.

An API key looks like ``hub_1a2b3c4d_<43 url-safe characters>``: the ``hub_1a2b3c4d`` prefix is
public (shown in user lists and written to the audit log on a failed sign-in), the rest is 256
random bits. Only the key's SHA-256 is stored: a key that random needs no slow hash, and the lookup
is by hash. Passwords (optional, for the UI sign-in) are stored with scrypt and a random salt.

Roles follow the access matrix in docs/governance.md. An admin manages users and nothing else:
no role implicitly gets every permission.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Boolean, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from hub.catalog import Base, new_id
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from hub.schema import ensure_schema

if TYPE_CHECKING:
    from hub.audit import AuditLog

log = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"^(hub_[0-9a-f]{8})_([A-Za-z0-9_-]{20,})$")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MIN_PASSWORD_CHARS = 8
# scrypt cost: ~16 MiB and ~50 ms per check on these CPUs, the interactive setting the scrypt paper suggests.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


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

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        return cls(user_id="system", name=name, role=Role.admin, is_system=True)

    @property
    def role_label(self) -> str:
        """The role written to the audit log (``system`` for maintenance actions)."""
        return "system" if self.is_system else str(self.role)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(20))
    key_prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(40))
    disabled_at: Mapped[str | None] = mapped_column(String(40), nullable=True)

    def principal(self) -> Principal:
        return Principal(self.id, self.name, Role(self.role))


class UserOut(BaseModel):
    """A user as listed (never the key or password hash)."""

    id: str
    name: str
    role: Role
    key_prefix: str
    has_password: bool
    disabled: bool
    created_at: str
    disabled_at: str | None = None

    @classmethod
    def of(cls, row: UserRow) -> UserOut:
        return cls(
            id=row.id,
            name=row.name,
            role=Role(row.role),
            key_prefix=row.key_prefix,
            has_password=row.password_hash is not None,
            disabled=bool(row.disabled),
            created_at=row.created_at,
            disabled_at=row.disabled_at,
        )


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh API key and its public prefix."""
    prefix = "hub_" + secrets.token_hex(4)
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def key_prefix(key: str) -> str:
    """The public part of a well-formed key, else a marker (never any secret material)."""
    m = KEY_PATTERN.match(key or "")
    return m.group(1) if m else "(malformed)"


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    got = hashlib.scrypt(
        password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(got, expected)


class UserStore:
    """Users in the catalog's SQL database; every change and every failed sign-in is audited."""

    def __init__(self, engine: Engine, audit: AuditLog, *, now: Callable[[], dt.datetime]) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.audit = audit
        self.now = now
        self._write = threading.Lock()
        ensure_schema(engine)  # tables come from the migrations (hub.schema)

    def add(
        self, name: str, role: Role | str, password: str | None = None, *, actor: Principal | None = None
    ) -> tuple[UserOut, str]:
        """Create a user; returns the user and its API key (the key is shown only this once)."""
        if not NAME_PATTERN.match(name or ""):
            raise InvalidInput(
                "a user name is 2-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
                field="name",
            )
        try:
            role = Role(role)
        except ValueError as exc:
            raise InvalidInput(f"role '{role}' is unknown; use one of {', '.join(Role)}", field="role") from exc
        if password is not None and len(password) < MIN_PASSWORD_CHARS:
            raise InvalidInput(f"a password needs at least {MIN_PASSWORD_CHARS} characters", field="password")
        key, prefix = new_key()
        row = UserRow(
            id=new_id(),
            name=name,
            role=str(role),
            key_prefix=prefix,
            key_hash=hash_key(key),
            password_hash=hash_password(password) if password is not None else None,
            disabled=False,
            created_at=self._ts(),
        )
        try:
            with self._write, self.sessions.begin() as s:
                if s.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
                    raise Conflict(f"a user named '{name}' already exists")
                s.add(row)
        except IntegrityError as exc:
            raise Conflict(f"a user named '{name}' already exists") from exc
        self.audit.append(
            "user.created",
            actor or Principal.system(),
            {"name": name, "role": str(role), "key_prefix": prefix, "has_password": password is not None},
            subject=name,
        )
        log.info("user %s created with role %s", name, role)
        return UserOut.of(row), key

    def get(self, name: str) -> UserOut:
        with self.sessions() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise NotFound(f"no user named '{name}'; list users with GET /api/users or `hub users list`")
            return UserOut.of(row)

    def list(self) -> list[UserOut]:
        with self.sessions() as s:
            return [UserOut.of(r) for r in s.scalars(select(UserRow).order_by(UserRow.name))]

    def disable(self, name: str, *, actor: Principal | None = None) -> UserOut:
        """Disable a user: their key and password stop working at once. Users are never deleted."""
        with self._write, self.sessions.begin() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise NotFound(f"no user named '{name}'")
            if row.disabled:
                raise Conflict(f"user '{name}' is already disabled")
            if row.role == Role.admin:
                admins = s.scalars(
                    select(UserRow.id).where(UserRow.role == str(Role.admin), UserRow.disabled.is_(False))
                ).all()
                if len(admins) <= 1:
                    raise Conflict(f"'{name}' is the last enabled admin; add another admin first")
            row.disabled = True
            row.disabled_at = self._ts()
        self.audit.append("user.disabled", actor or Principal.system(), {"name": name, "role": row.role}, subject=name)
        return UserOut.of(row)

    def authenticate_key(self, key: str, *, context: dict[str, Any] | None = None) -> Principal:
        """The principal holding ``key``; raises Unauthorized (and audits it) otherwise."""
        prefix = key_prefix(key)
        if prefix == "(malformed)":
            self.reject("the API key is not in the hub_XXXXXXXX_... format", key_prefix=prefix, context=context)
        with self.sessions() as s:
            row = s.scalar(select(UserRow).where(UserRow.key_hash == hash_key(key)))
        if row is None:
            self.reject("unknown API key", key_prefix=prefix, context=context)
        if row.disabled:
            self.reject(f"user '{row.name}' is disabled", key_prefix=prefix, user=row.name, context=context)
        return row.principal()

    def authenticate_password(self, name: str, password: str, *, context: dict[str, Any] | None = None) -> Principal:
        """The principal for a name and password (UI sign-in); raises Unauthorized (and audits it)."""
        with self.sessions() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
        # Same message whatever failed, so the sign-in form does not reveal which names exist.
        if row is None or row.password_hash is None or not check_password(password or "", row.password_hash):
            self.reject("wrong user name or password", user=name, context=context, shown="wrong user name or password")
        if row.disabled:
            self.reject(f"user '{name}' is disabled", user=name, context=context)
        return row.principal()

    def reject(
        self,
        reason: str,
        *,
        key_prefix: str = "",
        user: str = "",
        context: dict[str, Any] | None = None,
        shown: str | None = None,
    ) -> NoReturn:
        """Audit a failed authentication and raise Unauthorized."""
        payload = {"reason": reason, "key_prefix": key_prefix, "user": user, **(context or {})}
        self.audit.append("auth.failed", None, payload, subject=user)
        log.warning("authentication failed: %s", reason)
        raise Unauthorized(shown or f"not signed in: {reason}")

    def _ts(self) -> str:
        return self.now().astimezone(dt.UTC).isoformat(timespec="microseconds")


_bearer = HTTPBearer(auto_error=False, description="An API key from `hub users add` or POST /api/users.")


def require(*roles: Role) -> Callable[..., Principal]:
    """FastAPI dependency: the signed-in principal, if their role is one of ``roles``.

    401 (with ``WWW-Authenticate: Bearer``) without a valid key, 403 for a role not allowed. The
    allowed roles are kept on the dependency (``allowed_roles``) so the access matrix can be read
    off the app.
    """
    if not roles:
        raise ValueError("require() needs at least one role")
    allowed = frozenset(Role(r) for r in roles)

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        users: UserStore = request.app.state.hub.users
        context = {"method": request.method, "path": request.url.path}
        if credentials is None:
            users.reject("no API key; send the header Authorization: Bearer KEY", context=context)
        principal = users.authenticate_key(credentials.credentials, context=context)
        if principal.role not in allowed:
            names = ", ".join(sorted(allowed))
            raise Forbidden(f"role '{principal.role}' may not {request.method} {request.url.path}; allowed: {names}")
        request.state.principal = principal
        return principal

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency
