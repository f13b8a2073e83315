"""The settings tree: nested groups read from flat HUB_* names, unknown variables refused, and the
answer fingerprint derived from the tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigurationError
from hub.settings import GROUPS, AnswerSettings, Settings, environment_names


def test_environment_fills_groups_by_their_flat_names(monkeypatch):
    monkeypatch.setenv("HUB_CHUNK_MAX_WORDS", "90")
    monkeypatch.setenv("HUB_CHUNK_TABLE_MAX_WORDS", "300")
    monkeypatch.setenv("HUB_ANSWER_REFUSAL_THRESHOLD", "0.6")
    monkeypatch.setenv("HUB_DATA_DIR", "/srv/hub")
    s = Settings()
    assert (s.chunk.max_words, s.chunk.table_max_words) == (90, 300)
    assert s.answer.refusal_threshold == 0.6 and s.data_dir == Path("/srv/hub")
    assert s.chunk.overlap_sentences == 1  # untouched fields keep the tree's default


def test_flat_keywords_mean_the_same_as_groups():
    flat = Settings(chunk_max_words=120, answer_refusal_threshold=0.4)
    nested = Settings(chunk={"max_words": 120}, answer=AnswerSettings(refusal_threshold=0.4))
    assert flat == nested
    with pytest.raises(ValueError, match="chunk_max_wordz"):
        Settings(chunk_max_wordz=120)


def test_an_unknown_variable_stops_start_up_naming_it(monkeypatch):
    monkeypatch.setenv("HUB_CHUNK_MAX_WORD", "90")
    with pytest.raises(ConfigurationError, match="HUB_CHUNK_MAX_WORD .*did you mean HUB_CHUNK_MAX_WORDS"):
        Settings()
    monkeypatch.delenv("HUB_CHUNK_MAX_WORD")
    monkeypatch.setenv("HUB_REFUSAL_THRESHOLD", "0.5")
    with pytest.raises(ConfigurationError, match="renamed: use HUB_ANSWER_REFUSAL_THRESHOLD"):
        Settings()


def test_every_variable_and_field_is_described():
    names = set(environment_names())
    assert {"HUB_DATA_DIR", "HUB_EMBEDDING_MODEL", "HUB_LEARNING_DESIRED_RETENTION"} <= names
    for group_cls in (Settings, *GROUPS.values()):
        undocumented = [n for n, f in group_cls.model_fields.items() if n not in GROUPS and not f.description]
        assert undocumented == [], group_cls.__name__


def test_fingerprint_follows_answer_shaping_fields_only():
    base = Settings().answer_fingerprint()
    assert Settings(retrieval_bm25_k1=1.5).answer_fingerprint() != base
    assert Settings(answer_refusal_threshold=0.45).answer_fingerprint() != base
    assert Settings(embedding_max_tokens=128).answer_fingerprint() != base
    # Where the data lives, how fast the encoder runs and how quizzes work do not change answers.
    assert Settings(data_dir=Path("/elsewhere"), embedding_batch_size=8).answer_fingerprint() == base
    assert Settings(learning_quiz_max_items=10).answer_fingerprint() == base
    assert "embedding_batch_size" not in Settings().answer_fields()


def test_the_cli_refuses_to_start_with_a_misspelt_variable(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "HUB_DATA_DIR": str(tmp_path / "data"), "HUB_CHUNK_MAXWORDS": "90"}
    run = subprocess.run(
        [sys.executable, "-c", "from mslhub.cli import main; main()", "users", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "HUB_CHUNK_MAXWORDS" in run.stderr and "Traceback" not in run.stderr


def test_groups_keep_the_environment_names_they_had_as_flat_fields(monkeypatch):
    env = {
        "HUB_PARSE_TIMEOUT_SECONDS": "5",
        "HUB_PACKAGE_MAX_PARTS": "50",
        "HUB_AUTH_MAX_FAILURES_PER_CLIENT": "7",
        "HUB_SAFETY_NOTICE": "Call PV.",
        "HUB_UI_SESSION_IDLE_MINUTES": "12",
        "HUB_APPROVAL_FOUR_EYES": "true",
        "HUB_ANSWER_PRIME_PIECES": "0",
        "HUB_LEARNING_ITEMS_PER_SECTION": "4",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    assert (s.parse.timeout_seconds, s.package.max_parts, s.auth.max_failures_per_client) == (5, 50, 7)
    assert (s.safety.notice, s.ui.session_idle_minutes, s.approval_four_eyes) == ("Call PV.", 12, True)
    assert (s.answer.prime_pieces, s.learning.items_per_section) == (0, 4)
    # Background priming changes how fast answers come, never what they say.
    assert Settings(answer_prime_pieces=5).answer_fingerprint() == Settings().answer_fingerprint()


def test_tool_variables_pass_and_every_hub_name_in_the_repository_is_known(monkeypatch):
    import re

    from hub.settings import TOOL_VARIABLES

    for name in TOOL_VARIABLES:
        monkeypatch.setenv(name, "1")
    Settings()  # tools' own variables are not settings, and not errors either
    root = Path(__file__).resolve().parents[2]
    known = set(environment_names()) | set(TOOL_VARIABLES)
    files = [root / "README.md", *root.glob("docs/*.md"), *root.glob("[hiue]*/**/*.py"), *root.glob("tests/**/*.py")]
    unknown = set()
    for path in files:
        if path.name == "test_settings.py" or path.relative_to(root).as_posix() == "hub/settings.py":
            continue  # misspelt on purpose above; the settings module names the renamed variables
        for name in re.findall(r"(?<![A-Z_])HUB_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")):
            if name not in known:
                unknown.add((str(path.relative_to(root)), name))
    assert unknown == set()


def test_components_take_their_defaults_from_the_tree():
    import inspect

    from hub.embedding import Embedder
    from hub.retrieval import HybridRetriever, fuse
    from hub.settings import EmbeddingSettings, RetrievalSettings

    # The groups' own defaults (Settings() would read the tests' environment).
    embedding, retrieval = EmbeddingSettings(), RetrievalSettings()
    for component, group in ((Embedder, embedding), (HybridRetriever, retrieval), (fuse, retrieval)):
        params = inspect.signature(component).parameters.items()
        defaults = {n: p.default for n, p in params if n in type(group).model_fields}
        assert defaults and defaults == {n: getattr(group, n) for n in defaults}, component.__name__
