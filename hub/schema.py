"""The SQL schema's life: numbered Alembic migrations in ``hub/migrations/versions``.

Every table (catalog, audit, users, learning) and every rule the database enforces (one approved
version per document, the append-only audit log and its head) is created by a migration, never by
``create_all``. :func:`upgrade` is what ``hub db upgrade`` runs; :func:`ensure_schema` is what
every component calls at start-up: it only reads the schema's revision when the database is
current, and otherwise migrates (the embedded default needs no set-up step) or, when the
connecting role may not change the schema (the PostgreSQL app role), says to run ``hub db upgrade``.

Adding a migration: copy the newest file in ``hub/migrations/versions``, give it the next number
as ``revision`` and the previous one as ``down_revision``, and write both dialects' DDL (the
contract tests run every migration on SQLite and PostgreSQL, and check that the models match).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from hub.errors import HubError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
_ADVISORY_KEY = 7_318_244_901  # any fixed number: serialises migrations across workers on PostgreSQL
_current: set[tuple[str, str]] = set()  # (engine url, head) already checked in this process
_lock = threading.Lock()


class SchemaError(HubError):
    """The database schema is not at the revision this code needs and cannot be migrated here."""


def _config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise AssertionError("no migrations found in hub/migrations/versions")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Apply every migration up to ``revision``; returns the revision reached.

    On PostgreSQL an advisory lock serialises concurrent callers (several workers starting at
    once); each waits, then finds the work done.
    """
    from alembic import command

    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_KEY})
            conn.commit()
        try:
            command.upgrade(_config(conn), revision)
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
                conn.commit()
    reached = current_revision(engine) or ""
    log.info("database schema at revision %s", reached)
    return reached


def ensure_schema(engine: Engine) -> None:
    """Make sure the database is at the newest revision (cheap when it already is).

    Raises :class:`SchemaError` when it is behind and this connection may not migrate it.
    """
    head = head_revision()
    key = (engine.url.render_as_string(hide_password=True), head)
    if key in _current:
        return
    with _lock:
        if key in _current:
            return
        found = current_revision(engine)
        if found != head:
            try:
                _upgrade_retrying(engine)
            except DBAPIError as exc:
                raise SchemaError(
                    f"the database schema is at revision {found or 'none'} but this version of the hub needs "
                    f"{head}, and migrating it failed ({exc.orig.__class__.__name__}: {str(exc.orig).strip()[:200]}); "
                    "run `hub db upgrade` as the database owner"
                ) from exc
        _current.add(key)


def _upgrade_retrying(engine: Engine) -> None:
    # Two processes migrating one fresh SQLite file at once: the loser fails on a table the winner
    # just created; by then the schema is current, which a second look confirms.
    try:
        upgrade(engine)
    except DBAPIError:
        if current_revision(engine) == head_revision():
            return
        raise


APP_TABLE_GRANTS = {
    "audit_log": "SELECT, INSERT",
    "audit_head": "SELECT, UPDATE",
    "alembic_version": "SELECT",
}
"""Privileges of the app role where they differ from SELECT, INSERT, UPDATE, DELETE."""


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """Give the API workers' role what it needs and no more (PostgreSQL; run as the owner).

    The app role reads and writes catalog, user and learning tables, but may only INSERT and
    SELECT audit records and move the chain head (a trigger checks the head always names the
    newest record). It owns nothing, so it cannot disable the triggers or drop the tables.
    Returns the statements run.
    """
    if engine.dialect.name != "postgresql":
        raise SchemaError("database roles exist only on PostgreSQL; SQLite has no users to grant to")
    if not role.replace("_", "").isalnum():
        raise SchemaError(f"role name '{role}' must be letters, digits and _ only")
    statements = [f'GRANT USAGE ON SCHEMA public TO "{role}"']
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
    for table in sorted(tables):
        grants = APP_TABLE_GRANTS.get(table, "SELECT, INSERT, UPDATE, DELETE")
        statements.append(f'REVOKE ALL ON TABLE "{table}" FROM "{role}"')
        statements.append(f'GRANT {grants} ON TABLE "{table}" TO "{role}"')
    statements.append(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
    log.info("granted app role %s on %d tables", role, len(tables))
    return statements
