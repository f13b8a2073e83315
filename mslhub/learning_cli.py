"""``hub learn ...``: generate and review items, and export analytics, from the command line.

Registered with ``register(app)`` by :mod:`mslhub.cli`. Commands act as the system
principal (``Principal.system("cli")``), which the audit log records as such.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

err = Console(stderr=True)
out = Console()


def _service() -> Any:
    """The learning service of a hub built from the environment's settings."""
    from hub.service import Hub
    from hub.settings import Settings

    return Hub(Settings()).learning


def _actor() -> Any:
    from hub.auth import Principal

    return Principal.system("cli")


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]error:[/] {getattr(exc, 'message', exc)}")
    return typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add the ``learn`` command group to the hub CLI."""
    learn = typer.Typer(no_args_is_help=True, help="Quiz items, reviews and training analytics.")
    app.add_typer(learn, name="learn")

    @learn.command("generate")
    def generate(
        document: Annotated[str | None, typer.Option("--document", help="Document id; default: all content.")] = None,
        approve: Annotated[
            bool,
            typer.Option("--approve", help="Approve every kept item at once (demo set-up; audited as auto-approved)."),
        ] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Generate draft quiz items from approved, current content and print the run summary."""
        from hub.errors import HubError

        try:
            run = _service().generate(_actor(), document_id=document, approve=approve)
        except HubError as exc:
            raise _fail(exc) from exc
        if as_json:
            sys.stdout.write(run.model_dump_json(exclude={"item_ids"}) + "\n")
            return
        out.print(f"run {run.run_id}: generated {run.generated}, kept {run.kept} ({run.kept_share:.1%})")
        for reason, n in run.rejected.items():
            out.print(f"  rejected {reason}: {n}")
        for kind, counts in run.by_type.items():
            out.print(f"  {kind}: kept {counts['kept']} of {counts['generated']}")

    @learn.command("items")
    def items(
        status: Annotated[str | None, typer.Option(help="draft, approved, rejected or retired.")] = None,
        document: Annotated[str | None, typer.Option("--document")] = None,
        limit: Annotated[int, typer.Option()] = 50,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """List quiz items with their citation."""
        from hub.errors import HubError

        try:
            rows = _service().list_items(status=status, document_id=document, limit=limit)
        except HubError as exc:
            raise _fail(exc) from exc
        if as_json:
            sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in rows], indent=1) + "\n")
            return
        table = Table(title=f"{len(rows)} quiz items")
        for col in ("id", "type", "status", "stem", "answer", "source"):
            table.add_column(col, overflow="fold")
        for r in rows:
            c = r.citation
            table.add_row(r.id, r.type, r.status, r.stem, r.answer, f"{c.title} v{c.version}, {c.page_label}")
        out.print(table)

    def _review_each(ids: list[str], verb: str, act: Any) -> None:
        from hub.errors import HubError

        service = _service()
        try:
            for item_id in ids:
                act(service, item_id, _actor())
        except HubError as exc:
            raise _fail(exc) from exc
        out.print(f"{verb} {len(ids)} item(s)")

    @learn.command("approve")
    def approve_items(
        ids: Annotated[list[str], typer.Argument(help="Item ids.")], note: Annotated[str, typer.Option()] = ""
    ) -> None:
        """Approve draft items."""
        _review_each(ids, "approved", lambda service, item_id, who: service.approve(item_id, who, note))

    @learn.command("reject")
    def reject_items(
        ids: Annotated[list[str], typer.Argument(help="Item ids.")], reason: Annotated[str, typer.Option()] = ""
    ) -> None:
        """Reject items."""
        _review_each(ids, "rejected", lambda service, item_id, who: service.reject(item_id, who, reason))

    @learn.command("analytics")
    def analytics(
        csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the mastery table as CSV here.")] = None,
        plots: Annotated[Path | None, typer.Option("--plots", help="Write PNG plots into this folder.")] = None,
    ) -> None:
        """Print team analytics; optionally export CSV and PNG plots."""
        from hub.learning.plots import PLOTS, render

        figures = _service().analytics
        summary = {"topics": figures.topics(), "gaps": figures.gaps(limit=10)}
        out.print_json(json.dumps(summary, default=str))
        if csv_file:
            csv_file.parent.mkdir(parents=True, exist_ok=True)
            csv_file.write_bytes(figures.export_csv())
            err.print(f"wrote {csv_file}")
        if plots:
            plots.mkdir(parents=True, exist_ok=True)
            for name in PLOTS:
                (plots / f"{name}.png").write_bytes(render(figures, name))
            err.print(f"wrote {len(PLOTS)} plots into {plots}")
