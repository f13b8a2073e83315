"""``hub bench ingest`` and ``hub bench ask`` end to end on tiny data written here, so the commands
cannot rot. Numbers are not asserted (speed targets live in the reports), only that every figure
the reports promise is there and consistent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evals.bench import check_loopback, load_qrels, ndcg_at_10

ROOT = Path(__file__).resolve().parents[2]

DOCS = {
    "d1": (
        "Velorin lowers nocturnal blood pressure",
        "In a randomised trial of 412 adults, velorin 20 mg at bedtime lowered night-time systolic blood pressure "
        "by 9 mmHg compared with placebo. Daytime readings did not change.",
    ),
    "d2": (
        "Kestrafen and migraine frequency",
        "Kestrafen reduced monthly migraine days from eight to five in patients with episodic migraine.",
    ),
    "d3": (
        "Soil microbes degrade plastic films",
        "Bacteria isolated from compost broke down polyethylene films within ninety days at 30 degrees.",
    ),
    "d4": (
        "Orvatide improves glycaemic control",
        "Orvatide once weekly lowered HbA1c by 1.4 percentage points in adults with type 2 diabetes.",
    ),
}
QUERIES = {
    "q1": "Velorin reduces night-time blood pressure.",
    "q2": "Kestrafen decreases migraine days.",
    "q3": "Orvatide lowers HbA1c.",
}

DOC_MD = """# Zorbex storage guide

## Storage
Store Zorbex pre-filled syringes in a refrigerator at 2 to 8 degrees Celsius. Do not freeze.
Keep the syringe in the outer carton to protect it from light.

## Travel
A syringe may be kept at room temperature up to 30 degrees for a single period of 30 days.
"""
DOC_TXT = """Zorbex dosing summary.
The recommended dose is 45 mg by subcutaneous injection at weeks 0 and 4, then every 12 weeks.
Patients over 100 kg receive 90 mg on the same schedule.
"""


def _write_beir(folder: Path) -> Path:
    (folder / "qrels").mkdir(parents=True)
    with (folder / "corpus.jsonl").open("w") as f:
        for did, (title, text) in DOCS.items():
            f.write(json.dumps({"_id": did, "title": title, "text": text}) + "\n")
    with (folder / "queries.jsonl").open("w") as f:
        for qid, text in QUERIES.items():
            f.write(json.dumps({"_id": qid, "text": text}) + "\n")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\r\nq1\td1\t1\r\nq2\td2\t1\r\nq3\td4\t1\r\n")
    return folder


def _write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "storage.md").write_text(DOC_MD)
    (folder / "storage.meta.yaml").write_text("title: Zorbex storage guide\ndoc_type: other\nproduct: Zorbex\n")
    (folder / "dosing.txt").write_text(DOC_TXT)
    (folder / "dosing.meta.yaml").write_text("title: Zorbex dosing summary\ndoc_type: label\nproduct: Zorbex\n")
    (folder / "notes.txt").write_text("No sidecar: skipped, not ingested.")
    return folder


def _hub(args: list[str], tmp_path: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(tmp_path / "unused-data"),
        "COLUMNS": "200",
        "HUB_EMBEDDING_BACKEND": "torch",
    }
    return subprocess.run(
        [sys.executable, "-m", "mslhub", *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT
    )


# Subprocess runs of `hub bench` (model load, a real server): end to end, so slow.
@pytest.mark.slow
def test_bench_ingest_files_and_beir_end_to_end(tmp_path):
    corpus, beir, out = _write_corpus(tmp_path / "corpus"), _write_beir(tmp_path / "beir"), tmp_path / "reports"
    run = _hub(
        [
            "bench",
            "ingest",
            "--corpus",
            str(corpus),
            "--beir",
            str(beir),
            "--out",
            str(out),
            "--backend",
            "torch",
            "--batch-size",
            "8",
            "--json",
        ],
        tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["encoder"]["active_backend"] == "torch" and report["encoder"]["batch_size"] == 8
    files, records = report["runs"]
    assert files["documents"] == 2 and files["failed"] == [] and files["pages"] >= 2
    assert records["documents"] == 4 and records["chunks"] >= 4
    for r in (files, records):
        assert set(r["stages"]) == {"parse", "chunk", "embed", "write"}
        assert 0 < sum(r["stages"].values()) <= r["seconds"] * 1.05
        assert r["raw_encoder"]["texts"] == r["chunks"]  # the raw encoder saw exactly the pipeline's texts
        assert r["docs_per_s"] > 0 and r["chunks_per_s"] > 0 and r["pipeline_over_raw"] > 0
    assert 0.5 <= records["dense_ndcg@10"] <= 1.0  # one obvious document per query
    assert report["peak_rss_mb"] > 100
    for name in ("bench-ingest.json", "bench-ingest.md", "bench-ingest.png"):
        assert (out / name).stat().st_size > 0
    md = (out / "bench-ingest.md").read_text()
    assert "pipeline/raw" in md and "![bench-ingest](bench-ingest.png)" in md
    assert not (tmp_path / "unused-data").exists()  # throw-away data dirs only


@pytest.mark.slow
def test_bench_ask_starts_a_loopback_server_and_reports_percentiles(tmp_path):
    corpus, out = _write_corpus(tmp_path / "corpus"), tmp_path / "reports"
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps({"id": str(i), "question": q})
            for i, q in enumerate(
                ["How should Zorbex be stored?", "What is the dose for patients over 100 kg?", "Can Zorbex be frozen?"]
            )
        )
    )
    run = _hub(
        [
            "bench",
            "ask",
            "--start-server",
            "--corpus",
            str(corpus),
            "--questions",
            str(questions),
            "--concurrency",
            "1,3",
            "--requests",
            "6",
            "--warmup",
            "2",
            "--out",
            str(out),
            "--json",
        ],
        tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["url"].startswith("http://127.0.0.1:")
    assert report["server"]["status"] == "ok"
    assert [lvl["concurrency"] for lvl in report["levels"]] == [1, 3]
    for lvl in report["levels"]:
        assert lvl["ok"] == 6 and lvl["errors"] == 0
        assert 0 < lvl["p50_ms"] <= lvl["p95_ms"] <= lvl["p99_ms"] <= lvl["max_ms"]
    for name in ("bench-ask.json", "bench-ask.md", "bench-ask.png"):
        assert (out / name).stat().st_size > 0


@pytest.mark.slow
def test_bench_ask_refuses_non_loopback_and_explains_a_dead_server(tmp_path):
    with pytest.raises(ValueError, match="loopback"):
        check_loopback("http://10.1.2.3:8000")
    check_loopback("http://localhost:8000")
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "Dose?"}) + "\n")
    from evals.bench import free_port

    run = _hub(
        [
            "bench",
            "ask",
            "--url",
            f"http://127.0.0.1:{free_port()}",
            "--questions",
            str(questions),
            "--requests",
            "1",
            "--out",
            str(tmp_path / "r"),
        ],
        tmp_path,
        timeout=60,
    )
    assert run.returncode == 1
    assert "--start-server" in run.stderr


def test_qrels_and_ndcg_helpers(tmp_path):
    beir = _write_beir(tmp_path / "beir")
    qrels = load_qrels(beir / "qrels" / "test.tsv", {"d1", "d2"})
    assert qrels == {"q1": {"d1": 1}, "q2": {"d2": 1}}  # header skipped, CRLF handled, q3 has no doc left
    assert ndcg_at_10(qrels, {"q1": {"d1": 1.0}, "q2": {"d9": 1.0, "d2": 0.5}}) == pytest.approx(
        (1 + 1 / 1.585) / 2, abs=1e-3
    )
