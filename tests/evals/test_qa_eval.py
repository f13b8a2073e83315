"""`hub eval qa` end to end on a tiny corpus and question set made by the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests import samples

pytestmark = pytest.mark.slow


def test_eval_qa_reports_hits_and_refusals(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "label.pdf").write_bytes(samples.label_pdf())
    (corpus / "label.meta.yaml").write_text("title: Zorbex label\ndoc_type: label\n")
    questions = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "a1",
            "question": "What is the recommended dose of Zorbex?",
            "answer": "150 mg",
            "source_file": "label.pdf",
            "page": 2,
            "category": "dosing",
            "evidence": (
                "The recommended dose of Zorbex is 150 mg given by subcutaneous injection at week 0 and week 4, "
                "then every 12 weeks thereafter."
            ),
        },
        {
            "id": "u1",
            "question": "What is the price of Zorbex in Japan?",
            "answer": None,
            "source_file": None,
            "page": None,
            "evidence": None,
            "category": "unanswerable",
        },
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "reports"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mslhub",
            "eval",
            "qa",
            "--questions",
            str(questions),
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HUB_DATA_DIR": str(tmp_path / "unused")},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    s = report["summary"]
    assert (s["questions"], s["answerable"], s["unanswerable"]) == (2, 1, 1)
    assert s["page_hit"] == 1.0 and s["evidence_recall"] > 0.9 and s["correct_refusal"] == 1.0
    assert (out / "qa.json").exists() and "# QA evaluation" in (out / "qa.md").read_text()
    assert not (tmp_path / "unused").exists()  # the eval uses a throw-away data dir
