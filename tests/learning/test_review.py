"""The review queue: drafts ranked by the quality signal, with the list filters."""

from __future__ import annotations

from hub.auth import Principal
from hub.learning.review import quality_score


def test_quality_score_orders_what_an_msl_needs_first() -> None:
    dosing_gap = quality_score(
        topic="Dosage and administration", fact_kind="dose", item_type="cloze", answer="300 mg", stem="Give _____."
    )
    verbatim_true = quality_score(
        topic="Dosage and administration", fact_kind="dose", item_type="true_false", answer="True", stem="Give 300 mg."
    )
    background_count = quality_score(
        topic="Background", fact_kind="count", item_type="cloze", answer="12 sites", stem="It ran at _____."
    )
    long_stem = quality_score(
        topic="Dosage and administration", fact_kind="dose", item_type="cloze", answer="300 mg", stem="word " * 95
    )
    assert dosing_gap == 1.0
    assert dosing_gap > verbatim_true > background_count
    assert dosing_gap > long_stem >= 0.5


def test_review_queue_ranks_drafts_and_filters(lhub, zorbex) -> None:  # type: ignore[no-untyped-def]
    learning = lhub.learning
    learning.generate(Principal.system("test"))
    drafts = learning.list_items(status="draft")
    queue = learning.review_queue()
    assert sorted(i.id for i in queue) == sorted(i.id for i in drafts) and len(queue) >= 3
    scores = [
        quality_score(topic=i.topic, fact_kind=i.fact_kind, item_type=i.type, answer=i.answer, stem=i.stem)
        for i in queue
    ]
    assert scores == sorted(scores, reverse=True)
    topic = queue[-1].topic
    assert {i.topic for i in learning.review_queue(topic=topic)} == {topic}
    assert len(learning.review_queue(limit=2)) == 2


def test_the_review_screen_lists_drafts_in_queue_order(lhub, zorbex) -> None:  # type: ignore[no-untyped-def]
    from ui.quiz_review import PAGE_SIZE, _page_of

    lhub.learning.generate(Principal.system("test"))
    queue = lhub.learning.review_queue()
    items, page, total = _page_of(lhub, "draft", None, None, None, 0)
    assert page == 0 and total == len(queue)
    assert [i.id for i in items] == [i.id for i in queue[:PAGE_SIZE]]
    # Other statuses keep the listing order (nothing to rank).
    assert _page_of(lhub, "approved", None, None, None, 0)[2] == 0
