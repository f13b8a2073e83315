"""``hub bench scale``: a thin command over :mod:`evals.scale`."""

from __future__ import annotations

import json
import signal
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def bench_scale(
    sizes: Annotated[str, typer.Option(help="Comma-separated chunk counts.")] = "10000,100000,1000000",
    modes: Annotated[str, typer.Option(help="embedded, servers or both (comma-separated).")] = "embedded,servers",
    workers: Annotated[str, typer.Option(help="Worker counts to serve with (servers mode).")] = "1,2",
    requests: Annotated[int, typer.Option(help="Questions per load level with 1 client (x2 with 8 clients).")] = 40,
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports"),
    work_dir: Annotated[Path | None, typer.Option(help="Where the synthetic stores go (default: a temp dir).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Synthetic collections of each size in each mode: start-up, ask p50/p95, RSS, refresh after a change."""
    from evals.logsetup import setup_logging
    from evals.reporting import machine, write_report
    from evals.scale import run, to_markdown

    setup_logging(verbose)
    # A stopped benchmark still stops its servers (the `finally` blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    size_list = [int(s) for s in sizes.split(",") if s.strip()]
    mode_list = [m.strip() for m in modes.split(",") if m.strip()]
    if set(mode_list) - {"embedded", "servers"}:
        raise typer.BadParameter("modes are embedded and servers")
    worker_list = [int(w) for w in workers.split(",") if w.strip()]
    with tempfile.TemporaryDirectory(prefix="hub-scale-", dir=work_dir) as tmp:
        report = run(size_list, mode_list, worker_list, Path(tmp), requests)
    report["machine"] = machine()
    md = to_markdown(report)
    json_path, md_path = write_report(out, "scale", report, md)
    if as_json:
        sys.stdout.write(json.dumps(report, default=str) + "\n")
    else:
        Console().print(md, markup=False, highlight=False, soft_wrap=True)
        Console().print(f"\nreports: {json_path} {md_path}")
