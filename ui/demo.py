"""A demo site on loopback: a fresh data dir with the sample corpus, one user per role, a real server.

Used by the browser tests (``tests/ui``) and by ``python -m ui.screenshots``. Everything goes
through the product's own entry points: ``hub ingest`` for the corpus, the user store for
accounts, ``hub serve`` for the server, and the HTTP API for seeded activity.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from hub.server_process import free_port as any_free_port
from hub.server_process import served

log = logging.getLogger(__name__)

KEY = re.compile(r"hub_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"

# name, role, password: one account per role (passwords are demo values, never real ones).
ACCOUNTS: dict[str, tuple[str, str]] = {
    "msl": ("maria.lopez", "msl-demo-pass"),
    "content_owner": ("priya.raman", "owner-demo-pass"),
    "compliance": ("chen.wu", "review-demo-pass"),
    "manager": ("sam.taylor", "manager-demo-pass"),
    "admin": ("ada.admin", "admin-demo-pass"),
}

SECOND_MSL = "omar.haddad"  # a second MSL (API key only, never printed) so team analytics compare people

# Seeded questions: two the corpus answers and one it does not (so the log has a refusal).
SEED_QUESTIONS = [
    "What is the recommended maintenance dose of Lumerza?",
    "How long did injection site reactions typically last in the placebo-controlled part of LUMEN-1?",
    "Is Lumerza approved for hidradenitis suppurativa?",
]


@dataclass
class DemoSite:
    """A running demo server and the credentials of its users."""

    base_url: str
    data_dir: Path
    keys: dict[str, str] = field(default_factory=dict)
    log_file: Path | None = None

    def name(self, role: str) -> str:
        return ACCOUNTS[role][0]

    def password(self, role: str) -> str:
        return ACCOUNTS[role][1]


def environment(data_dir: Path) -> dict[str, str]:
    """The environment for hub subprocesses: this data dir, no analytics, no model hub."""
    env = dict(os.environ)
    env.update(HUB_DATA_DIR=str(data_dir), GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    return env


def hub_command(*args: str) -> list[str]:
    """``hub ARGS`` run with this interpreter (the console script may not be on PATH)."""
    return [sys.executable, "-m", "mslhub", *args]


def ingest_corpus(data_dir: Path, corpus: Path = CORPUS) -> None:
    """``hub ingest corpus/`` into ``data_dir`` (fails loudly if any file fails)."""
    done = subprocess.run(
        hub_command("ingest", str(corpus)),
        env=environment(data_dir),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"hub ingest failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def add_users(data_dir: Path) -> dict[str, str]:
    """One user per role with ``hub users add``; returns role -> API key (printed only at creation)."""
    keys = {}
    for role, (name, password) in ACCOUNTS.items():
        done = subprocess.run(
            hub_command("users", "add", name, "--role", role, "--password", password),
            env=environment(data_dir),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        printed = done.stdout.strip().splitlines()
        if done.returncode != 0 or not printed or not KEY.fullmatch(printed[-1]):
            raise RuntimeError(f"hub users add {name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        keys[role] = printed[-1]
    return keys


def free_port() -> int:
    """A free loopback port: the first free one of ``HUB_DEMO_PORTS`` ("LOW-HIGH") when set, else any."""
    low, _, high = os.environ.get("HUB_DEMO_PORTS", "").partition("-")
    return any_free_port(range(int(low), int(high) + 1) if low.isdigit() and high.isdigit() else None)


def seed_activity(site: DemoSite) -> None:
    """Ask the seed questions as the MSL through the API, so the audit log has answers and a refusal."""
    headers = {"Authorization": f"Bearer {site.keys['msl']}"}
    for question in SEED_QUESTIONS:
        r = httpx.post(f"{site.base_url}/api/ask", json={"question": question}, headers=headers, timeout=120)
        r.raise_for_status()


@contextlib.contextmanager
def running_site(data_dir: Path, keys: dict[str, str], port: int | None = None) -> Iterator[DemoSite]:
    """Start ``hub serve`` for ``data_dir`` and stop it on exit."""
    port = port or free_port()
    log_file = data_dir.parent / f"serve-{port}.log"
    log_file.write_bytes(b"")
    with served(port, env=environment(data_dir), log=log_file) as server:
        yield DemoSite(server.url, data_dir, keys, log_file)


def prepare(data_dir: Path) -> dict[str, str]:
    """A fresh data dir with the corpus and the demo users; returns role -> API key."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ingest_corpus(data_dir)
    keys = add_users(data_dir)
    prepare_learning(data_dir)
    return keys


# Generated items left as drafts, so the content owner has something to review in the Library tab.
DRAFTS_LEFT = 6


def prepare_learning(data_dir: Path) -> int:
    """Quiz items generated from the corpus by the content owner, all but a few approved; returns approved count."""
    from hub.service import Hub
    from hub.settings import Settings

    hub = Hub(Settings(data_dir=data_dir))
    learning = hub.learning
    owner = hub.users.authenticate_password(*ACCOUNTS["content_owner"])
    learning.generate(owner)
    drafts = learning.list_items(status="draft", limit=1000)
    for item in drafts[:-DRAFTS_LEFT]:
        learning.approve(item.id, owner, "reviewed for the demo")
    seed_quizzes(hub, learning)
    return max(0, len(drafts) - DRAFTS_LEFT)


def seed_quizzes(hub: object, learning: object, *, questions: int = 8, right_share: float = 0.7) -> None:
    """Two MSLs take a quiz each (about 70% right), so analytics and due reviews have something to show."""
    import random

    from hub.auth import Principal, Role

    rng = random.Random(20261125)
    first = hub.users.authenticate_password(*ACCOUNTS["msl"])  # type: ignore[attr-defined]
    second_user, _ = hub.users.add(SECOND_MSL, Role.msl)  # type: ignore[attr-defined]
    for who in (first, Principal(second_user.id, second_user.name, Role.msl)):
        quiz = learning.start_quiz(who, n=questions)  # type: ignore[attr-defined]
        for question in quiz.items:
            item = learning.get_item(question.id)  # type: ignore[attr-defined]
            wrong = [o for o in item.options if o != item.answer] or ["not sure"]
            given = item.answer if rng.random() < right_share else rng.choice(wrong)
            learning.answer(who, quiz.attempt_id, item.id, given)  # type: ignore[attr-defined]
