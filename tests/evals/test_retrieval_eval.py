"""``hub eval retrieval`` on a tiny BEIR-format data set written here (invented text, no real data)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evals.beir import BeirFormatError, docs_from_chunks, load_beir, read_qrels, score_run, write_trec_run
from hub.retrieval import convex_fuse, fuse, rrf_fuse

# Invented abstracts about invented compounds: one clear topic each, so a working retriever ranks
# the judged document first for each query.
DOCS = {
    "d1": (
        "Velorin lowers nocturnal blood pressure",
        "In a randomised trial of 412 adults, velorin 20 mg at bedtime lowered night-time systolic blood "
        "pressure by 9 mmHg compared with placebo. Daytime readings did not change.",
    ),
    "d2": (
        "Kestrafen and migraine frequency",
        "Kestrafen reduced monthly migraine days from eight to five in patients with episodic migraine. "
        "Nausea was the most common adverse event.",
    ),
    "d3": (
        "Soil microbes degrade plastic films",
        "Bacteria isolated from compost broke down polyethylene films within ninety days at 30 degrees. "
        "Enzyme activity rose with humidity.",
    ),
    "d4": (
        "Glacier retreat in the southern Andes",
        "Satellite images show glaciers in Patagonia lost a fifth of their area between 1986 and 2019, "
        "faster at low altitude.",
    ),
    "d5": (
        "Orvatide improves glycaemic control",
        "Orvatide once weekly lowered HbA1c by 1.4 percentage points in adults with type 2 diabetes and "
        "reduced body weight by three kilograms.",
    ),
    "d6": (
        "Sleep duration and memory consolidation in adolescents",
        "Teenagers who slept fewer than seven hours recalled fewer word pairs the next morning than those "
        "who slept nine hours.",
    ),
    "d7": (
        "Coral bleaching after marine heatwaves",
        "Reef surveys after the 2016 heatwave found that half of branching corals bleached, and recovery "
        "took more than five years.",
    ),
    "d8": (
        "Hand hygiene and hospital infections",
        "Alcohol rub stations at every bed cut hospital-acquired infections by a third over two years on "
        "surgical wards.",
    ),
}
QUERIES = {
    "q1": "Velorin reduces night-time systolic blood pressure.",
    "q2": "Kestrafen decreases the number of migraine days.",
    "q3": "Orvatide lowers HbA1c in type 2 diabetes.",
    "q4": "Marine heatwaves cause coral bleaching on reefs.",
    "q9": "A query with no judgement in the test split.",
}
QRELS = {"q1": "d1", "q2": "d2", "q3": "d5", "q4": "d7"}


def write_beir(root: Path, *, newline: str = "\r\n", header: bool = True) -> Path:
    (root / "qrels").mkdir(parents=True)
    with (root / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for doc_id, (title, text) in DOCS.items():
            fh.write(json.dumps({"_id": doc_id, "title": title, "text": text, "metadata": {}}) + "\n")
    with (root / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for qid, text in QUERIES.items():
            fh.write(json.dumps({"_id": qid, "text": text, "metadata": {}}) + "\n")
    lines = (["query-id\tcorpus-id\tscore"] if header else []) + [f"{q}\t{d}\t1" for q, d in QRELS.items()]
    (root / "qrels" / "test.tsv").write_bytes(newline.join(lines).encode() + newline.encode())
    (root / "qrels" / "train.tsv").write_bytes(b"query-id\tcorpus-id\tscore\nq9\td3\t1\n")
    return root


# --- the loader ----------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("header", [True, False])
def test_qrels_read_the_same_with_crlf_or_lf_and_with_or_without_header(tmp_path, newline, header):
    root = write_beir(tmp_path / "ds", newline=newline, header=header)
    qrels = read_qrels(root / "qrels" / "test.tsv")
    assert qrels == {q: {d: 1} for q, d in QRELS.items()}
    assert not any("\r" in q or "\r" in d for q, rels in qrels.items() for d in rels)


def test_load_beir_keeps_only_judged_queries_of_the_split(tmp_path):
    root = write_beir(tmp_path / "ds")
    test = load_beir(root, "test")
    assert set(test.queries) == set(QRELS) and len(test.corpus) == len(DOCS)
    assert test.corpus["d2"][0] == "Kestrafen and migraine frequency"
    train = load_beir(root, "train")
    assert set(train.queries) == {"q9"}


def test_limit_docs_keeps_judged_documents_first(tmp_path):
    root = write_beir(tmp_path / "ds")
    small = load_beir(root, "test", limit_docs=5)
    assert len(small.corpus) == 5
    assert {"d1", "d2", "d5", "d7"} <= set(small.corpus)
    tiny = load_beir(root, "test", limit_docs=2)
    assert set(tiny.corpus) == {"d1", "d2"} and set(tiny.queries) == {"q1", "q2"}


def test_malformed_files_name_file_and_line(tmp_path):
    root = write_beir(tmp_path / "ds")
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\tyes\n")
    with pytest.raises(BeirFormatError, match=r"test.tsv:2: score 'yes'"):
        read_qrels(root / "qrels" / "test.tsv")
    (root / "corpus.jsonl").write_text('{"_id": "d1", "text": "ok"}\nnot json\n')
    with pytest.raises(BeirFormatError, match=r"corpus.jsonl:2"):
        load_beir(root, "train")
    with pytest.raises(BeirFormatError, match="not found"):
        load_beir(tmp_path / "missing", "test")


# --- scoring and run files -----------------------------------------------------------------------


def test_documents_take_the_rank_of_their_best_chunk():
    keys = {"v1": "d1", "v2": "d2"}
    hits = [("v2-00001", 0.9), ("v1-00000", 0.8), ("v2-00000", 0.7), ("gone-00000", 0.6)]
    assert docs_from_chunks(hits, keys) == [("d2", 0.9), ("d1", 0.8)]
    assert docs_from_chunks(hits, keys, depth=1) == [("d2", 0.9)]


@pytest.mark.slow  # ranx compiles its metrics with numba on first use (tens of seconds)
def test_score_run_with_ranx():
    qrels = {"q1": {"d1": 1}, "q2": {"d2": 1}}
    perfect = score_run(qrels, {"q1": [("d1", 1.0)], "q2": [("d2", 1.0)]})
    assert perfect == {"ndcg@10": 1.0, "recall@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0}
    # q1 finds its document at rank 2, q2 finds nothing at all (still counted, as zero).
    half = score_run(qrels, {"q1": [("x", 5.0), ("d1", 4.0)]})
    assert half["mrr@10"] == pytest.approx(0.25)
    assert half["recall@10"] == pytest.approx(0.5)


def test_trec_run_file_format(tmp_path):
    path = tmp_path / "run.txt"
    write_trec_run(path, {"q1": [("d1", 7.0), ("d2", 7.0)]}, "hub-hybrid")
    # Tied retriever scores still give a strictly ordered file: the score column is 1/rank.
    assert path.read_text().splitlines() == ["q1 Q0 d1 1 1.000000 hub-hybrid", "q1 Q0 d2 2 0.500000 hub-hybrid"]


def test_fusion_functions():
    dense = [("a", 0.9), ("b", 0.5), ("c", 0.1)]
    lexical = [("c", 12.0), ("a", 6.0)]
    rrf = rrf_fuse([(dense, 1.0), (lexical, 1.0)], k=60)
    assert rrf["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fuse(dense, lexical, fusion="rrf", rrf_k=60, dense_weight=1.0, lexical_weight=1.0) == rrf
    convex = convex_fuse([(dense, 0.6), (lexical, 0.4)])
    # min-max per list: dense a=1, b=0.5, c=0; lexical c=1, a=0.
    assert convex == pytest.approx({"a": 0.6, "b": 0.3, "c": 0.4})
    assert fuse(dense, lexical, fusion="convex", dense_weight=0.6, lexical_weight=0.4) == convex
    assert fuse([], [], fusion="convex") == {}


# --- end to end ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_hub_eval_retrieval_end_to_end(tmp_path):
    root = write_beir(tmp_path / "tiny-beir")
    run_file, out = tmp_path / "runs" / "tiny.run", tmp_path / "reports"
    env = {**os.environ, "HUB_DATA_DIR": str(tmp_path / "unused"), "COLUMNS": "200"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mslhub",
            "eval",
            "retrieval",
            "--beir",
            str(root),
            "--json",
            "--out",
            str(out),
            "--run-out",
            str(run_file),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert (report["queries"], report["documents"]) == (4, 8)
    assert report["ingest"]["documents"] == 8
    configs = {r["configuration"]: r for r in report["configurations"]}
    assert {"lexical", "dense", "hybrid"} <= set(configs)
    for row in configs.values():
        for metric in ("ndcg@10", "recall@10", "recall@100", "mrr@10"):
            assert 0.0 <= row[metric] <= 1.0
        assert row["recall@100"] >= row["recall@10"]
        assert row["ms_per_query"]["p50"] > 0
    # Each query names its invented compound or topic: every configuration should find it at once.
    assert configs["hybrid"]["ndcg@10"] >= 0.9 and configs["lexical"]["mrr@10"] >= 0.9
    assert configs["hybrid"]["recall@100"] == 1.0

    lines = run_file.read_text().splitlines()
    rows = [line.split(" ") for line in lines]
    assert all(len(r) == 6 and r[1] == "Q0" and r[5].startswith("hub-") for r in rows)
    assert {r[0] for r in rows} == set(QRELS)
    assert {r[2] for r in rows} <= set(DOCS)
    for qid in QRELS:
        mine = [r for r in rows if r[0] == qid]
        assert [int(r[3]) for r in mine] == list(range(1, len(mine) + 1))
        scores = [float(r[4]) for r in mine]
        assert scores == sorted(scores, reverse=True)
        assert len({r[2] for r in mine}) == len(mine)  # each document once per query
    assert mine[0][2] == QRELS["q4"]
    assert (out / "retrieval-tiny-beir-test.json").is_file()
    assert (out / "retrieval-tiny-beir-test.png").read_bytes()[:4] == b"\x89PNG"
    assert "| hybrid |" in (out / "retrieval-tiny-beir-test.md").read_text()


def test_reused_index_dir_must_match_chunking_and_model(tmp_path):
    from evals.beir import MANIFEST, check_manifest
    from hub.service import Hub
    from hub.settings import Settings

    dataset = load_beir(write_beir(tmp_path / "ds"), "test")
    data = tmp_path / "index"
    check_manifest(Hub(Settings(data_dir=data)), dataset)
    assert json.loads((data / MANIFEST).read_text())["dataset"] == "ds"
    check_manifest(Hub(Settings(data_dir=data)), dataset)  # same settings: reuse is fine
    with pytest.raises(BeirFormatError, match="chunk_max_words"):
        check_manifest(Hub(Settings(data_dir=data, chunk_max_words=300)), dataset)
