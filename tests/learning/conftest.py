"""Fixtures of the learning tests: a hub with a settable UTC clock, a small product document, users."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.samples import build_hub, zorbex_meta

START = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)

ZORBEX_MD = """# Zorbex Prescribing Information

ZORBEX (zorbexumab) is a fictional monoclonal antibody used only to test the hub.

## Dosage and administration

The recommended dosage is 300 mg by subcutaneous injection every 8 weeks after two starting doses.

Allow the prefilled pen to reach room temperature for 45 minutes before the injection is given.

## Efficacy

In the ZEST-1 trial, 68.5% of patients treated with zorbexumab achieved PASI 90 at week 16.

In the same trial, only 4.2% of patients given placebo reached that response at the primary time point.

At week 52, 71.3% of patients treated with zorbexumab maintained a PASI 75 response.

An IGA score of 0 or 1 was reached by 80.2% of patients treated with zorbexumab at week 12.

Patients previously treated with adalimumab had a PASI 90 response rate of 61.0% at week 16.

## Safety

Infections occurred in 21.4% of patients treated with zorbexumab through week 16 of the trial.

Serious infections were reported in 0.6% of patients receiving zorbexumab during the first year.

Headache was reported in 5.1% of patients who received zorbexumab in the placebo-controlled period.

Methotrexate was allowed as a concomitant medicine only at doses of up to 25 mg weekly.
"""


class Clock:
    """A settable UTC clock: ``clock()`` is now; ``clock.advance(days=1)`` moves it."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def build_learning_hub(data_dir: Path, embedder, clock: Clock):  # type: ignore[no-untyped-def]
    """A hub on the settable clock, without FSRS fuzz so that due dates in the tests are exact."""
    return build_hub(data_dir, embedder, now=clock, learning_enable_fuzzing=False)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lhub(tmp_path: Path, embedder, clock: Clock):  # type: ignore[no-untyped-def]
    """A hub with the learning service, on a fresh data dir, with the settable clock."""
    return build_learning_hub(tmp_path / "data", embedder, clock)


@pytest.fixture
def zorbex(lhub):  # type: ignore[no-untyped-def]
    """The Zorbex document ingested (approved); returns the ingest result."""
    result = lhub.ingestion.ingest_bytes(ZORBEX_MD.encode(), "zorbex-pi.md", zorbex_meta())
    assert result.outcome == "ingested"
    return result


@pytest.fixture
def people(lhub):  # type: ignore[no-untyped-def]
    """Principals for each role (real users in the hub's user store)."""
    from hub.auth import Principal, Role

    out = {}
    for name, role in (
        ("olive", Role.content_owner),
        ("ana", Role.msl),
        ("ben", Role.msl),
        ("mia", Role.manager),
        ("ada", Role.admin),
    ):
        user, _key = lhub.users.add(name, role)
        out[name] = Principal(user.id, user.name, Role(role))
    return out


def approve_all(hub, actor) -> list:  # type: ignore[no-untyped-def]
    """Generate items for every approved document and approve all of them (returns the items)."""
    run = hub.learning.generate(actor)
    for item_id in run.item_ids:
        hub.learning.approve(item_id, actor)
    return [hub.learning.get_item(i) for i in run.item_ids]


def wrong_answer(item) -> str:  # type: ignore[no-untyped-def]
    if item.type == "true_false":
        return "False" if item.answer == "True" else "True"
    if item.type == "mcq":
        return next(o for o in item.options if o != item.answer)
    return "certainly not this"
