"""``hub db``: the SQL schema's migrations and the PostgreSQL app role (see hub.schema, docs/scale.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

db_app = typer.Typer(no_args_is_help=True, help="The SQL schema: numbered migrations, roles (docs/scale.md).")
out = Console()
err = Console(stderr=True)


@db_app.command("upgrade")
def db_upgrade(
    app_role: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL role the API workers connect as: granted what it needs, and only SELECT and INSERT "
            "on the audit log. Run as the owner role."
        ),
    ] = None,
) -> None:
    """Apply every pending migration to HUB_DATABASE_URL (SQLite in the data dir by default)."""
    from sqlalchemy.exc import DBAPIError

    from hub.catalog import make_engine
    from hub.schema import current_revision, grant_app_role, head_revision, upgrade
    from hub.settings import Settings

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    before = current_revision(engine)
    try:
        reached = upgrade(engine)
        if app_role:
            grant_app_role(engine, app_role)
    except (DBAPIError, RuntimeError) as exc:
        err.print(f"[red]error:[/] migration failed: {getattr(exc, 'orig', None) or exc}")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    out.print(f"schema at revision {reached} (was {before or 'empty'}; newest {head_revision()})")
    if app_role:
        out.print(f"role {app_role}: granted (audit log: SELECT, INSERT only)")


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision and the newest one this code knows."""
    from hub.catalog import make_engine
    from hub.schema import current_revision, head_revision
    from hub.settings import Settings

    engine = make_engine(Settings().resolved_database_url())
    try:
        out.print(f"database {current_revision(engine) or 'empty'}, code {head_revision()}")
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add ``hub db`` to the main command."""
    app.add_typer(db_app, name="db")
