"""Command line: ``hub ingest``, ``hub ask``, ``hub serve``, ``hub users``, ``hub audit``.

A thin layer over :class:`~hub.service.Hub`. Actions from the command line are audited as the
system principal ``cli`` (someone with shell access to the data directory), or as a named user
with ``--user``.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from mslhub.db_cli import register as register_db
from mslhub.learning_cli import register as register_learning

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="MSL Knowledge Hub: cited answers from approved content."
)
err = Console(stderr=True)
out = Console()


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def _hub() -> Any:
    from hub.service import Hub
    from hub.settings import Settings

    return Hub(Settings())


def _governance() -> tuple[Any, Any]:
    """The audit log and user store alone (no vector store or model: these commands start fast)."""
    from hub.audit import AuditLog
    from hub.auth import UserStore
    from hub.catalog import Catalog, make_engine
    from hub.service import utc_now
    from hub.settings import Settings

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(make_engine(settings.resolved_database_url()))
    audit = AuditLog(catalog.engine, now=utc_now, checkpoint_file=settings.audit_checkpoint_file)
    return audit, UserStore(catalog.engine, audit, now=utc_now)


def _actor(user: str | None) -> Any:
    """``--user NAME`` (an enabled user) or the system principal ``cli``."""
    from hub.auth import Principal

    if not user:
        return Principal.system("cli")
    _, users = _governance()
    found = users.get(user)
    if found.disabled:
        err.print(f"[red]error:[/] user '{user}' is disabled")
        raise typer.Exit(2)
    # The record names the user, and who ran the command on their behalf (it was not their own click).
    return Principal(found.id, found.name, found.role, operator=f"cli:{getpass.getuser()}")


@app.command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders. Folders: files with a NAME.meta.yaml sidecar.")
    ],
    title: Annotated[str | None, typer.Option(help="Document title (same title = new version).")] = None,
    doc_type: Annotated[str | None, typer.Option(help="slide_deck, guideline, publication, label or other.")] = None,
    product: Annotated[str | None, typer.Option()] = None,
    therapeutic_area: Annotated[str | None, typer.Option()] = None,
    version: Annotated[str | None, typer.Option(help="Version label, e.g. 3.0")] = None,
    approval_id: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option(help="draft, approved, expired, withdrawn or superseded.")] = None,
    effective_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    expiry_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    owner: Annotated[str | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    user: Annotated[str | None, typer.Option(help="Audit the uploads as this user (default: system 'cli').")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Ingest files with their approval metadata; exits 1 if any file failed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest.files import expand_paths
    from ingest.metadata import metadata_fields

    _setup_logging(verbose)
    overrides = metadata_fields(locals())  # the metadata options above, by their field names
    hub = _hub()
    actor = _actor(user)
    total = len(expand_paths(paths))
    with Progress(
        TextColumn("[bold]ingest[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=as_json,
    ) as progress:
        task = progress.add_task("", total=total)
        results = hub.ingestion.ingest_paths(
            paths, overrides, on_file=lambda r: progress.update(task, advance=1, description=r.file), actor=actor
        )
    failed = [r for r in results if r.outcome == "failed"]
    if as_json:
        out.print_json(json.dumps([r.to_dict() for r in results], default=str))
    else:
        table = Table(title="Ingestion summary")
        for col in ("file", "outcome", "version", "pages", "chunks", "detail"):
            table.add_column(col)
        colours = {"ingested": "green", "unchanged": "cyan", "failed": "red", "skipped": "yellow"}
        for r in results:
            detail = r.message or (
                f"supersedes {len(r.superseded)} older version(s)" if r.superseded else r.status or ""
            )
            table.add_row(
                r.file,
                f"[{colours[r.outcome]}]{r.outcome}[/]",
                r.version or "",
                str(r.pages or ""),
                str(r.chunks or ""),
                detail,
            )
        out.print(table)
        counts = {k: sum(r.outcome == k for r in results) for k in colours}
        out.print(", ".join(f"{n} {k}" for k, n in counts.items()))
    if not results:
        err.print("[red]no files found[/]: give files or folders holding supported files")
        raise typer.Exit(1)
    if failed:
        raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    product: Annotated[str | None, typer.Option()] = None,
    doc_type: Annotated[str | None, typer.Option()] = None,
    therapeutic_area: Annotated[str | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    user: Annotated[str | None, typer.Option(help="Audit the question as this user (default: system 'cli').")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Ask a question; the answer quotes approved content with numbered citations, or refuses (audited)."""
    from hub.errors import HubError
    from hub.service import AskFilters

    _setup_logging(verbose)
    hub = _hub()
    try:
        answer = hub.ask(question, AskFilters(product, doc_type, therapeutic_area), user=_actor(user))
    except HubError as exc:
        err.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(2) from exc
    if as_json:
        sys.stdout.write(
            answer.model_dump_json(include={"answer", "refused", "reason", "citations", "support", "asked_for"}) + "\n"
        )
        return
    if answer.refused:
        out.print(f"[yellow]{answer.answer}[/]\n{answer.reason}")
        return
    out.print(answer.answer + "\n", markup=False)
    for c in answer.citations:
        section = f", {c.section.split(' > ')[-1]}" if c.section else ""
        out.print(f"[{c.n}] {c.title}, version {c.version}, {c.page_label}{section} ({c.source_file})", markup=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    ui: Annotated[
        bool, typer.Option("--ui/--no-ui", help="Serve the web UI at / (the API is always under /api).")
    ] = True,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes. More than 1 needs the shared servers (HUB_DATABASE_URL on PostgreSQL, "
            "HUB_CHROMA_HOST); each worker loads its own model and indexes (docs/scale.md).",
        ),
    ] = 1,
) -> None:
    """Serve the web UI at / and the API under /api (OpenAPI docs at /docs)."""
    import uvicorn

    from hub.settings import Settings
    from mslhub.web import create_web_app

    _setup_logging(verbose)
    logging.getLogger("hub").setLevel(logging.INFO)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = Settings()
    if workers > 1:
        _serve_workers(settings, host, port, ui, verbose, workers)
        return
    app = create_web_app(settings, ui=ui)
    err.print(
        f"serving data dir {settings.data_dir.resolve()} on http://{host}:{port}"
        + (" (UI at /, API docs at /docs)" if ui else " (API docs at /docs)")
    )
    uvicorn.run(app, host=host, port=port, log_level="info" if verbose else "warning")


def _serve_workers(settings: Any, host: str, port: int, ui: bool, verbose: bool, workers: int) -> None:
    import uvicorn

    from hub.catalog import make_engine
    from hub.schema import ensure_schema
    from mslhub.asgi import UI_ENV

    if settings.chroma_host is None or settings.resolved_database_url().startswith("sqlite"):
        err.print(
            "[red]error:[/] --workers > 1 needs HUB_DATABASE_URL (PostgreSQL) and HUB_CHROMA_HOST (`chroma run`): "
            "an embedded Chroma cannot be opened by several processes"
        )
        raise typer.Exit(2)
    # Migrate once here, not N times racing in the workers.
    engine = make_engine(settings.resolved_database_url())
    ensure_schema(engine)
    engine.dispose()
    import multiprocessing

    from mslhub.asgi import prepare_encoder

    builder = multiprocessing.get_context("spawn").Process(target=prepare_encoder)
    builder.start()
    builder.join()
    os.environ[UI_ENV] = "1" if ui else "0"
    err.print(f"serving {workers} workers on http://{host}:{port} (database and Chroma servers from settings)")
    uvicorn.run(
        "mslhub.asgi:app_from_env",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info" if verbose else "warning",
    )


users_app = typer.Typer(no_args_is_help=True, help="Users, roles and API keys (docs/governance.md).")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit log: verify and export.")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
DEMO_USERS = (
    ("msl", "msl"),
    ("owner", "content_owner"),
    ("compliance", "compliance"),
    ("manager", "manager"),
    ("admin", "admin"),
)


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]error:[/] {getattr(exc, 'message', exc)}")
    return typer.Exit(2)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option(help="msl, content_owner, compliance, manager or admin.")],
    password: Annotated[str | None, typer.Option(help="Optional password for the web UI sign-in.")] = None,
) -> None:
    """Create a user and print its API key. The key is shown only this once; only its hash is stored."""
    from hub.auth import Principal
    from hub.errors import HubError

    _, users = _governance()
    try:
        user, key = users.add(name, role, password, actor=Principal.system("cli"))
    except HubError as exc:
        raise _fail(exc) from exc
    err.print(f"created {user.name} ({user.role}); API key (shown once, store it now):")
    sys.stdout.write(key + "\n")


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List users with their role, key prefix and state (never keys)."""
    _, users = _governance()
    rows = users.list()
    if as_json:
        out.print_json(json.dumps([u.model_dump(mode="json") for u in rows]))
        return
    table = Table(title="Users")
    for col in ("name", "role", "key prefix", "password", "state", "created (UTC)"):
        table.add_column(col)
    for u in rows:
        table.add_row(
            u.name,
            str(u.role),
            u.key_prefix,
            "yes" if u.has_password else "no",
            "[red]disabled[/]" if u.disabled else "active",
            u.created_at[:19],
        )
    out.print(table)


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument()]) -> None:
    """Disable a user: their key and password stop working at once (users are never deleted)."""
    from hub.auth import Principal
    from hub.errors import HubError

    _, users = _governance()
    try:
        users.disable(name, actor=Principal.system("cli"))
    except HubError as exc:
        raise _fail(exc) from exc
    out.print(f"disabled {name}")


@users_app.command("seed-demo")
def users_seed_demo() -> None:
    """LOCAL DEMO ONLY (used by `make run`): create one user per role - msl, owner, compliance, manager,
    admin - with password demo-NAME, if they do not exist yet, and print their API keys.

    Never run this on a hub holding real content: the passwords are public.
    """
    from hub.auth import Principal

    _, users = _governance()
    existing = {u.name for u in users.list()}
    for name, role in DEMO_USERS:
        if name in existing:
            sys.stdout.write(f"{name:<11} {role:<14} password demo-{name:<11} (exists already; key not shown)\n")
            continue
        _, key = users.add(name, role, f"demo-{name}", actor=Principal.system("seed-demo"))
        # Plain writes: a key wrapped by the terminal renderer would be copied wrongly.
        sys.stdout.write(f"{name:<11} {role:<14} password demo-{name:<11} API key {key}\n")


def _checkpoint_file(given: Path | None) -> Path | None:
    from hub.settings import Settings

    return given or Settings().audit_checkpoint_file


@audit_app.command("verify")
def audit_verify(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    checkpoints: Annotated[
        Path | None,
        typer.Option(help="Checkpoint file from `hub audit checkpoint` (default: HUB_AUDIT_CHECKPOINT_FILE)."),
    ] = None,
) -> None:
    """Re-hash the whole audit chain; exit 1 naming the first record that does not match.

    With checkpoints, the chain must also still reach every checkpointed seq with the same hash.
    """
    from hub.audit import load_checkpoints
    from hub.errors import HubError

    audit, _ = _governance()
    path = _checkpoint_file(checkpoints)
    try:
        marks = load_checkpoints(path) if path is not None and (checkpoints or path.exists()) else []
    except HubError as exc:
        raise _fail(exc) from exc
    result = audit.verify(marks)
    _report_verify(result, as_json, "audit log" + (f" (and {len(marks)} checkpoints)" if marks else ""))


@audit_app.command("checkpoint")
def audit_checkpoint(
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Append here (default: HUB_AUDIT_CHECKPOINT_FILE); keep it off the DB host."),
    ] = None,
) -> None:
    """Verify the chain, then append its head (seq + hash) to a checkpoint file kept outside the database."""
    from hub.audit import write_checkpoint
    from hub.errors import HubError

    path = _checkpoint_file(file)
    if path is None:
        err.print("[red]error:[/] say where: --file PATH or HUB_AUDIT_CHECKPOINT_FILE")
        raise typer.Exit(2)
    audit, _ = _governance()
    try:
        cp = write_checkpoint(audit, path)
    except HubError as exc:
        raise _fail(exc) from exc
    out.print(f"checkpoint seq {cp.seq} hash {cp.hash} appended to {path}")


def _report_verify(result: Any, as_json: bool, what: str) -> None:
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
    elif result.ok:
        out.print(f"[green]ok[/]: {what} intact, {result.checked} records, head {result.head_hash[:16]}")
    else:
        out.print(
            f"[red]BROKEN[/]: {what}: record seq {result.bad_seq} (id {result.bad_id}): {result.problem}; "
            f"{result.checked} records before it are intact"
        )
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "json",
) -> None:
    """Export the whole log with its hashes (check it offline with `hub audit verify-export`)."""
    from hub.auth import Principal
    from hub.errors import HubError

    audit, _ = _governance()
    try:
        data = audit.export(fmt, actor=Principal.system("cli"))  # type: ignore[arg-type]
    except HubError as exc:
        raise _fail(exc) from exc
    # The log names people and what they asked: readable by the exporting account only.
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    out.print(f"wrote {output} ({len(data)} bytes)")


@audit_app.command("verify-export")
def audit_verify_export(
    file: Annotated[Path, typer.Argument(help="An exported .csv or .json file.")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv or json; default: from the file name.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-hash an exported file without the database; exit 1 naming the first bad record."""
    from hub.audit import verify_export
    from hub.errors import HubError

    kind = fmt or file.suffix.lower().lstrip(".")
    try:
        result = verify_export(file.read_bytes(), kind)
    except OSError as exc:
        err.print(f"[red]error:[/] cannot read {file}: {exc.strerror or exc}")
        raise typer.Exit(2) from exc
    except HubError as exc:
        raise _fail(exc) from exc
    _report_verify(result, as_json, str(file))


eval_app = typer.Typer(no_args_is_help=True, help="Quality evaluations; reports go under --out.")
bench_app = typer.Typer(no_args_is_help=True, help="Speed benchmarks; reports go under --out.")
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")
register_learning(app)
register_db(app)


def main() -> None:
    # The eval and bench commands live with the evals package (nothing but this entry point imports it).
    from evals.cli import register
    from hub.errors import ConfigurationError

    register(eval_app, bench_app, setup_logging=_setup_logging)
    try:
        app()
    except ConfigurationError as exc:
        # Bad settings are the operator's to fix: say which, without a traceback.
        err.print(f"[red]error:[/] {exc.message}")
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
