"""Learn tab fragments: honest progress wording, weakest topics first, next review in relative words."""

from __future__ import annotations

import datetime as dt

from ui.learn import progress_html, weakest_first, when


def test_next_review_is_relative_and_marked_for_local_time() -> None:
    now = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    out = when(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC), now)
    assert out.startswith("in 3 days") and "<time class='hub-local' datetime='2026-11-28T10:00:00+00:00'>" in out
    assert when(now + dt.timedelta(hours=5), now).startswith("in 5 hours")
    assert when(now + dt.timedelta(days=1), now).startswith("tomorrow")


def test_weakest_topics_come_first_and_recall_is_not_shown_as_a_score() -> None:
    groups = [
        {"product": "P", "topic": "strong", "attempts": 4, "accuracy": 1.0, "retrievability": 0.9, "due": 0},
        {"product": "P", "topic": "weak", "attempts": 4, "accuracy": 0.25, "retrievability": 0.99, "due": 1},
        {"product": "P", "topic": "unseen", "attempts": 0, "accuracy": None, "retrievability": None, "due": 0},
    ]
    assert [g["topic"] for g in weakest_first(groups)] == ["weak", "strong", "unseen"]
    html = progress_html({"attempts": 4, "accuracy": 0.25, "retrievability": 1.0, "groups": groups}, 0)
    assert "25% correct." in html and "predicted recall now 100%" not in html
    assert "high right after any review" in html
    assert html.index(">weak<") < html.index(">strong<")


def test_every_msl_is_listed_in_mastery_even_without_answers() -> None:
    from ui.analytics import msl_rows

    mastery = {
        "totals": {
            "ana": {"attempts": 3, "accuracy": 1.0, "retrievability": 0.9, "mastery": 0.9, "due": 0, "overdue": 0}
        }
    }
    rows = msl_rows(mastery, ["ben", "ana"])
    assert [r[0] for r in rows] == ["ana", "ben"] and rows[1][1] == 0
