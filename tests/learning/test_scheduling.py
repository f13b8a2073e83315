"""FSRS scheduling with a fixed clock: Good moves the due date later, Again sooner, a second Good further."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.learning.scheduling import Schedule, rating_for
from hub.settings import LearningSettings
from tests.learning.conftest import START, approve_all, wrong_answer

T0 = START


def test_rating_mapping() -> None:
    from fsrs import Rating

    assert rating_for(True) == Rating.Good and rating_for(False) == Rating.Again


def test_due_dates_move_as_expected() -> None:
    schedule = Schedule(LearningSettings(enable_fuzzing=False))
    good = schedule.review(schedule.new_card(T0), True, T0).card
    again = schedule.review(schedule.new_card(T0), False, T0).card
    assert good.due > T0 and again.due > T0
    assert again.due < good.due
    # The second Good, taken when the first one fell due, schedules further out than the first did.
    second = schedule.review(good, True, good.due).card
    assert second.due - good.due > good.due - T0
    third = schedule.review(second, True, second.due).card
    assert third.due - second.due > second.due - good.due
    # A lapse after two Goods brings the card back sooner than a third Good would have.
    lapse = schedule.review(second, False, second.due).card
    assert lapse.due < third.due
    assert all(c.due.tzinfo is not None and c.due.utcoffset() == dt.timedelta(0) for c in (good, second, lapse))


def test_naive_times_are_refused() -> None:
    schedule = Schedule(LearningSettings())
    with pytest.raises(ValueError, match="UTC"):
        schedule.review(schedule.new_card(T0), True, T0.replace(tzinfo=None))


def test_cards_round_trip_through_json() -> None:
    schedule = Schedule(LearningSettings(enable_fuzzing=False))
    card = schedule.review(schedule.new_card(T0), True, T0).card
    assert schedule.load(schedule.dump(card)).due == card.due


def test_reviews_through_the_service_follow_the_clock(lhub, zorbex, people, clock) -> None:
    items = approve_all(lhub, people["olive"])
    ana = people["ana"]
    learning = lhub.learning
    quiz = learning.start_quiz(ana, item_ids=[items[0].id, items[1].id])
    good = learning.answer(ana, quiz.attempt_id, items[0].id, items[0].answer)
    bad = learning.answer(ana, quiz.attempt_id, items[1].id, wrong_answer(items[1]))
    assert good.correct and not bad.correct
    assert T0 < bad.next_review < good.next_review
    assert learning.due_reviews(ana) == []  # nothing is due at the moment of answering
    clock.advance(minutes=30)
    due = learning.due_reviews(ana)
    assert [d.item.id for d in due] == [items[1].id, items[0].id]  # oldest due first
    assert learning.due_reviews(people["ben"]) == []  # cards are per user
    review = learning.start_quiz(ana, review=True)
    assert review.kind == "review" and [i.id for i in review.items] == [items[1].id, items[0].id]
    first_interval = good.next_review - T0
    again = learning.answer(ana, review.attempt_id, items[0].id, items[0].answer)
    assert again.next_review - clock() > first_interval  # second Good: further out
