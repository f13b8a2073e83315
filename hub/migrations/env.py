"""Alembic environment: always run programmatically by :mod:`hub.schema` on a connection it passes in."""

from __future__ import annotations

from alembic import context

from hub.models import target_metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `hub db upgrade` / hub.schema drive migrations
    raise RuntimeError("run migrations with `hub db upgrade` (hub.schema.upgrade), not the alembic command")

context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
