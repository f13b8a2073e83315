"""A bounded schemathesis run against the OpenAPI schema of a real `hub serve` (``make fuzz``).

One run per role key (each role reaches different routes), ``--checks not_a_server_error``: the
run fails if any generated request gets a 5xx. Bounded by examples per operation and a wall-clock
limit per role; reports (JUnit XML) go to ``reports/fuzz/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import ROOT
from tests.security.server import HOST, running

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
SECONDS_PER_ROLE = int(os.environ.get("FUZZ_SECONDS_PER_ROLE", "300"))
ROLES = ("msl", "content_owner", "compliance", "manager", "admin")


def main() -> int:
    reports = ROOT / "reports" / "fuzz"
    reports.mkdir(parents=True, exist_ok=True)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="hub-fuzz-") as tmp, running(Path(tmp), port=18132, roles=ROLES) as server:
        schema = f"http://{HOST}:{server.port}/openapi.json"
        for role in ROLES:
            cmd = [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                schema,
                "--checks",
                "not_a_server_error",
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                "12",
                "--phases",
                "examples,coverage,fuzzing",
                "--request-timeout",
                "60",
                "--header",
                f"Authorization: Bearer {server.keys[role]}",
                "--report",
                "junit",
                "--report-junit-path",
                str(reports / f"{role}.xml"),
            ]
            try:
                # cwd: schemathesis keeps a cache folder where it runs; not in the repository.
                run = subprocess.run(cmd, timeout=SECONDS_PER_ROLE, capture_output=True, text=True, cwd=tmp)
            except subprocess.TimeoutExpired as exc:
                print(f"{role}: stopped at the {SECONDS_PER_ROLE} s limit", file=sys.stderr)
                out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
                failed += "Server error" in out
                continue
            print(f"--- {role}: exit {run.returncode}\n{run.stdout[-4000:]}")
            failed += run.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
