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
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Boolean, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from hub.catalog import Base, new_id
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthorized
from hub.permissions import PERMISSIONS, Permission
from hub.principal import Principal, Role
from hub.schema import ensure_schema
from hub.signin_throttle import SignInThrottle

if TYPE_CHECKING:
    from hub.audit import AuditLog

log = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"^(hub_[0-9a-f]{8})_([A-Za-z0-9_-]{20,})$")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MIN_PASSWORD_CHARS = 8
# scrypt cost: ~16 MiB and ~50 ms per check on these CPUs, the interactive setting the scrypt paper suggests.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
WRONG_CREDENTIALS = "wrong user name or password"
# Failed sign-in records keep only this much of the request path and user name (they are attacker-chosen).
MAX_RECORDED_CHARS = 200
_dummy_hash: str | None = None


def _password_hash_for_unknown_user() -> str:
    """A real scrypt hash of a random secret: checking against it costs what a real check costs,
    so the time of a failed sign-in does not tell whether the user name exists."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(24))
    return _dummy_hash


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

    def __init__(
        self,
        engine: Engine,
        audit: AuditLog,
        *,
        now: Callable[[], dt.datetime],
        throttle: SignInThrottle | None = None,
    ) -> None:
        self.engine = engine
        self.throttle = throttle or SignInThrottle(window_seconds=300, per_client=20, per_user=10)
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
        """The principal holding ``key``; raises Unauthorized (and audits it) otherwise.

        A wrong key from a client over its failure limit gets TooManyRequests (not audited again).
        A right key is never throttled: 256 random bits cannot be guessed, and many users may share
        one address (a proxy, an office network), whom one client's failures must not lock out.
        """
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
        """The principal for a name and password (UI sign-in); raises Unauthorized (and audits it).

        Every failure - unknown name, no password set, wrong password, disabled account - gives the
        same message and costs one scrypt check, so neither the answer nor its timing tells which
        names exist or that a disabled account's password was right. Raises TooManyRequests while
        the client or the name is over its failure limit.
        """
        self._refuse_if_throttled(_client_of(context), name)
        with self.sessions() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
        stored = row.password_hash if row is not None and row.password_hash else None
        matches = check_password(password or "", stored or _password_hash_for_unknown_user())
        if row is None or stored is None or not matches:
            self.reject(WRONG_CREDENTIALS, user=name, context=context, shown=WRONG_CREDENTIALS, per_user=True)
        if row.disabled:
            self.reject(
                f"user '{name}' is disabled", user=name, context=context, shown=WRONG_CREDENTIALS, per_user=True
            )
        self.throttle.clear_user(name)
        return row.principal()

    def _refuse_if_throttled(self, client: str | None, user: str | None) -> None:
        wait = self.throttle.retry_after(client=client, user=user)
        if wait is not None:
            raise TooManyRequests(
                f"too many failed sign-ins; try again in {wait} s",
                retry_after=wait,
            )

    def reject(
        self,
        reason: str,
        *,
        key_prefix: str = "",
        user: str = "",
        context: dict[str, Any] | None = None,
        shown: str | None = None,
        per_user: bool = False,
    ) -> NoReturn:
        """Audit a failed authentication (compactly) and raise Unauthorized.

        The failure counts towards the client's limit (and the user name's, with ``per_user``);
        the failure that reaches a limit also writes one ``auth.throttled`` record.
        """
        client = _client_of(context)
        # Over the limit already: refuse without another record (the limit was audited when reached).
        self._refuse_if_throttled(client, user if per_user else None)
        user = user[:MAX_RECORDED_CHARS]
        payload = {"reason": reason, "key_prefix": key_prefix, "user": user, **_compact(context)}
        reached = self.throttle.record_failure(client=client, user=user if per_user else None)
        entries: list[tuple[str, Principal | None, dict[str, Any], dict[str, Any]]] = [
            ("auth.failed", None, payload, {"subject": user})
        ]
        if reached:
            limits = {"window_seconds": self.throttle.window, **self.throttle.limits}
            entries.append(
                ("auth.throttled", None, {"client": client, "user": user, "limits": limits}, {"subject": user})
            )
        self.audit.append_many(entries)
        log.warning("authentication failed: %s", reason)
        raise Unauthorized(shown or f"not signed in: {reason}")

    def _ts(self) -> str:
        return self.now().astimezone(dt.UTC).isoformat(timespec="microseconds")


_bearer = HTTPBearer(auto_error=False, description="An API key from `hub users add` or POST /api/users.")


def allow(permission: Permission) -> Callable[..., Principal]:
    """FastAPI dependency: the signed-in principal, if their role holds ``permission`` (hub.permissions)."""
    return require(*PERMISSIONS[permission])


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
        context = {
            "method": request.method,
            "path": request.url.path,
            "client": request.client.host if request.client else "",
        }
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


def _client_of(context: dict[str, Any] | None) -> str | None:
    return str((context or {}).get("client") or "") or None


def _compact(context: dict[str, Any] | None) -> dict[str, Any]:
    """The request context of a failed sign-in, each value cut to a bounded length."""
    return {str(k)[:40]: str(v)[:MAX_RECORDED_CHARS] for k, v in list((context or {}).items())[:8]}
