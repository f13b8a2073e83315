"""Analytics equal hand-computed values for a small scripted history (2 users, 3 items, 5 answers)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS

from hub.learning import plots
from tests.learning.conftest import START, approve_all, wrong_answer

DECAY = -DEFAULT_PARAMETERS[20]
FACTOR = 0.9 ** (1 / DECAY) - 1
S_AGAIN, S_GOOD = DEFAULT_PARAMETERS[0], DEFAULT_PARAMETERS[2]  # first-review stabilities (days)


def r(days: int, stability: float) -> float:
    """FSRS-6 retrievability after whole ``days`` (the formula, written out by hand)."""
    return (1 + FACTOR * days / stability) ** DECAY


@pytest.fixture
def history(lhub, zorbex, people, clock):  # type: ignore[no-untyped-def]
    """Day 0 09:00: ana A right, ana B wrong, ben A wrong. Day 1 09:00: ana C right, ben B right. Now: day 3."""
    items = approve_all(lhub, people["olive"])
    by_topic = {}
    for item in items:
        by_topic.setdefault(item.topic, item)
    a, b, c = by_topic["Efficacy"], by_topic["Safety"], by_topic["Dosage and administration"]
    learning, ana, ben = lhub.learning, people["ana"], people["ben"]

    def take(who, item, right: bool) -> None:  # type: ignore[no-untyped-def]
        quiz = learning.start_quiz(who, item_ids=[item.id])
        given = item.answer if right else wrong_answer(item)
        assert learning.answer(who, quiz.attempt_id, item.id, given).correct is right

    take(ana, a, True)
    take(ana, b, False)
    take(ben, a, False)
    clock.now = START + dt.timedelta(days=1)
    take(ana, c, True)
    take(ben, b, True)
    clock.now = START + dt.timedelta(days=3)
    return a, b, c


def test_per_user_product_topic_table(lhub, history) -> None:
    a, b, c = history
    rows = {(g.user, g.topic): g for g in lhub.learning.analytics.table()}
    expected = {  # (user, topic): (attempts, correct, retrievability)
        ("ana", a.topic): (1, 1, r(3, S_GOOD)),
        ("ana", b.topic): (1, 0, r(3, S_AGAIN)),
        ("ana", c.topic): (1, 1, r(2, S_GOOD)),
        ("ben", a.topic): (1, 0, r(3, S_AGAIN)),
        ("ben", b.topic): (1, 1, r(2, S_GOOD)),
    }
    assert set(rows) == set(expected)
    for key, (attempts, correct, retr) in expected.items():
        g = rows[key]
        assert g.product == "Zorbex" and g.items_seen == 1
        assert (g.attempts, g.correct, g.accuracy) == (attempts, correct, correct / attempts)
        assert g.retrievability == pytest.approx(retr, abs=1e-4)
        assert g.mastery == pytest.approx(correct / attempts * retr, abs=1e-4)
        # Every card fell due within minutes (learning steps) and has waited more than a day since.
        assert (g.active_cards, g.due, g.overdue) == (1, 1, 1)
    ana = lhub.learning.analytics.user("ana")
    assert (ana["attempts"], ana["correct"], ana["items_seen"]) == (3, 2, 3)
    mean_r = (r(3, S_GOOD) + r(3, S_AGAIN) + r(2, S_GOOD)) / 3
    assert ana["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert ana["retrievability"] == pytest.approx(mean_r, abs=1e-4)
    assert ana["mastery"] == pytest.approx(2 / 3 * mean_r, abs=2e-4)
    assert (ana["due"], ana["overdue"]) == (3, 3)


def test_team_mastery_and_weakest_topics(lhub, history) -> None:
    a, b, c = history
    analytics = lhub.learning.analytics
    topics = {t["topic"]: t for t in analytics.topics()}
    ra = (r(3, S_GOOD) + r(3, S_AGAIN)) / 2
    rb = (r(3, S_AGAIN) + r(2, S_GOOD)) / 2
    assert topics[a.topic]["attempts"] == 2 and topics[a.topic]["accuracy"] == 0.5
    assert topics[a.topic]["mastery"] == pytest.approx(0.5 * ra, abs=1e-4)
    assert topics[b.topic]["mastery"] == pytest.approx(0.5 * rb, abs=1e-4)
    assert topics[c.topic]["mastery"] == pytest.approx(r(2, S_GOOD), abs=1e-4)
    weakest_first = [t["topic"] for t in analytics.topics()]
    assert weakest_first == sorted(weakest_first, key=lambda name: topics[name]["mastery"])
    team = analytics.mastery()
    assert team["users"] == ["ana", "ben"]
    col = [(t["product"], t["topic"]) for t in team["topics"]].index(("Zorbex", c.topic))
    assert team["matrix"][1][col] is None  # ben never answered the dosing item
    assert team["answers"][1][col] == 0 and team["answers"][0][col] == 1
    # One answer is below the minimum (3): the cell shows its count but no mastery, so no colour.
    assert team["min_answers_per_cell"] == 3 and team["matrix"][0][col] is None
    assert all(v is None for row in team["matrix"] for v in row)


def test_answers_to_a_retired_item_stay_in_history_but_leave_mastery(lhub, history) -> None:
    from sqlalchemy import update

    from hub.learning.models import ItemRow

    a, b, c = history
    with lhub.learning.sessions.begin() as s:
        s.execute(update(ItemRow).where(ItemRow.id == a.id).values(status="retired"))
    analytics = lhub.learning.analytics
    rows = {(g.user, g.topic): g for g in analytics.table()}
    # Hand computation without item A: ana has B wrong and C right, ben has B right.
    assert rows.get(("ana", a.topic)) is None or rows[("ana", a.topic)].attempts == 0
    assert rows.get(("ben", a.topic)) is None or rows[("ben", a.topic)].attempts == 0
    ana = analytics.user("ana")
    assert (ana["attempts"], ana["correct"], ana["accuracy"]) == (2, 1, 0.5)
    topics = {t["topic"]: t for t in analytics.topics()}
    assert a.topic not in topics
    assert topics[b.topic]["attempts"] == 2 and topics[b.topic]["accuracy"] == 0.5
    # The history keeps every answer, the retired item's included.
    assert [d["answers"] for d in analytics.retention()] == [3, 2, 0, 0]


def test_retention_series_by_day(lhub, history) -> None:
    series = lhub.learning.analytics.retention()
    assert [s["date"] for s in series] == ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"]
    assert [s["answers"] for s in series] == [3, 2, 0, 0]
    assert series[0]["accuracy"] == pytest.approx(1 / 3, abs=1e-4) and series[1]["accuracy"] == 1.0
    assert series[2]["accuracy"] is None
    # End of day 0: all three cards reviewed < 1 day ago -> R = 1.
    assert series[0]["retrievability"] == 1.0
    day1 = (r(1, S_GOOD) + 2 * r(1, S_AGAIN) + 2 * 1.0) / 5
    day2 = (r(2, S_GOOD) + 2 * r(2, S_AGAIN) + 2 * r(1, S_GOOD)) / 5
    now = (r(3, S_GOOD) + 2 * r(3, S_AGAIN) + 2 * r(2, S_GOOD)) / 5
    assert series[1]["retrievability"] == pytest.approx(day1, abs=1e-4)
    assert series[2]["retrievability"] == pytest.approx(day2, abs=1e-4)
    assert series[3]["retrievability"] == pytest.approx(now, abs=1e-4)
    assert lhub.learning.analytics.retention(days=2)[0]["date"] == "2026-11-27"


def test_retention_series_of_one_user(lhub, history) -> None:
    ana = lhub.learning.analytics.retention(user="ana")
    assert sum(s["answers"] for s in ana) == 3 and ana[-1]["cards"] == 3
    now = (r(3, S_GOOD) + r(3, S_AGAIN) + r(2, S_GOOD)) / 3
    assert ana[-1]["retrievability"] == pytest.approx(now, abs=1e-4)
    assert lhub.learning.analytics.retention(user="nobody") == []


def test_content_gaps_come_from_refused_questions_in_the_audit_log(lhub, zorbex, people) -> None:
    question = "Which football club won the 1998 league title?"
    first = lhub.ask(question, user=people["ana"])
    assert first.refused  # the precondition of this test: the hub has nothing on football
    lhub.ask(question.upper(), user=people["ben"])
    lhub.ask(question + "  ", user=people["ana"])
    lhub.ask(question, user=people["olive"])  # not an MSL: left out by default
    gaps = lhub.learning.analytics.gaps()
    assert len(gaps) == 1 and gaps[0]["count"] == 3 and gaps[0]["askers"] == 2
    assert lhub.learning.analytics.gaps(msl_only=False)[0]["count"] == 4


def test_csv_export_and_plots(lhub, history) -> None:
    analytics = lhub.learning.analytics
    rows = list(csv.DictReader(io.StringIO(analytics.export_csv().decode())))
    table = analytics.table()
    assert len(rows) == len(table) == 5
    assert [(x["user"], x["topic"], int(x["attempts"])) for x in rows] == [(g.user, g.topic, g.attempts) for g in table]
    figure = plots.mastery_heatmap(analytics.mastery())
    assert len(figure.axes) == 2  # heatmap + colour bar
    for name in plots.PLOTS:
        assert plots.render(analytics, name).startswith(b"\x89PNG")


def test_analytics_on_an_empty_hub(lhub) -> None:
    analytics = lhub.learning.analytics
    assert analytics.table() == [] and analytics.retention() == [] and analytics.gaps() == []
    assert plots.render(analytics, "mastery").startswith(b"\x89PNG")


def test_content_gaps_include_answers_given_with_low_support(lhub, zorbex, people) -> None:
    audit, ana, ben, olive = lhub.audit, people["ana"], people["ben"], people["olive"]
    question = "What is the Zorbex dose in severe hepatic impairment?"

    def given(who, q: str, support: float) -> None:  # type: ignore[no-untyped-def]
        audit.append("answer.given", who, {"question": q, "support": support, "answer": "..."}, product="Zorbex")

    given(ana, question, 0.55)  # answered, but barely: a gap
    given(ben, question.lower(), 0.52)  # the same question from another MSL
    given(ana, question, 0.91)  # well supported: not a gap
    given(olive, question, 0.40)  # not an MSL: left out by default
    audit.append("answer.refused", ben, {"question": question, "support": 0.3, "refusal_reason": "low"})
    given(ana, "How is Zorbex stored?", 0.95)
    gaps = lhub.learning.analytics.gaps()
    assert len(gaps) == 1
    (gap,) = gaps
    # By hand: 2 low-support answers (0.55, 0.52) + 1 refusal = 3, from ana and ben; lowest support 0.3.
    assert (gap["count"], gap["low_support"], gap["refused"], gap["askers"]) == (3, 2, 1, 2)
    assert gap["min_support"] == 0.3 and gap["reason"] == "low"
    assert gap["products"] == ["Zorbex"]
    # A stricter line leaves the 0.55 answer out; all roles bring olive's answer in.
    assert lhub.learning.analytics.gaps(low_support=0.53)[0]["count"] == 2
    assert lhub.learning.analytics.gaps(msl_only=False)[0]["count"] == 4


def test_mastery_by_document_and_section_kind(lhub, history) -> None:
    from sqlalchemy import update

    from hub.learning.models import ItemRow

    a, b, c = history
    analytics = lhub.learning.analytics
    rows = {(d["document"], d["topic"]): d for d in analytics.by_document()}
    title = a.citation.title
    assert set(rows) == {(title, a.topic), (title, b.topic), (title, c.topic)}
    # By hand (see the history fixture): A answered right by ana and wrong by ben; B wrong then right; C right.
    ra = (r(3, S_GOOD) + r(3, S_AGAIN)) / 2
    row = rows[(title, a.topic)]
    assert (row["attempts"], row["correct"], row["users"], row["accuracy"]) == (2, 1, 2, 0.5)
    assert row["mastery"] == pytest.approx(0.5 * ra, abs=1e-4)
    assert rows[(title, c.topic)]["mastery"] == pytest.approx(r(2, S_GOOD), abs=1e-4)
    assert not any(d["enough_answers"] for d in rows.values())  # 1-2 answers each, minimum 3
    # Retiring A: its answers leave the figures.
    with lhub.learning.sessions.begin() as s:
        s.execute(update(ItemRow).where(ItemRow.id == a.id).values(status="retired"))
    assert (title, a.topic) not in {(d["document"], d["topic"]) for d in analytics.by_document()}
