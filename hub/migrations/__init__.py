"""Alembic migrations of the hub's SQL schema (catalog, audit, users, learning); see hub.schema."""
