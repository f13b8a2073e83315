"""``hub learn ...`` commands through typer's runner, on a fresh data dir."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from mslhub.learning_cli import register


def test_learn_commands(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HUB_EMBEDDING_BACKEND", "torch")
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:  # a root callback keeps "learn" a sub-command
        pass

    runner = CliRunner()
    result = runner.invoke(app, ["learn", "generate", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["generated"] == 0  # an empty catalog gives nothing to ask about
    bad = runner.invoke(app, ["learn", "items", "--status", "bogus"])
    assert bad.exit_code == 2 and "unknown" in bad.output
    missing = runner.invoke(app, ["learn", "approve", "nope"])
    assert missing.exit_code == 2 and "no quiz item" in missing.output
    out = runner.invoke(app, ["learn", "analytics", "--csv", str(tmp_path / "m.csv"), "--plots", str(tmp_path / "p")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "m.csv").read_text().startswith("user,product,topic")
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "gaps.png",
        "mastery.png",
        "retention.png",
        "topics.png",
    ]
