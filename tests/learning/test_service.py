"""Item review, quizzes, attempts, retirement and modules through the real hub (SQLite, ingestion, audit)."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.errors import Conflict, InvalidInput, NotFound
from ingest.metadata import Status
from tests.learning.conftest import ZORBEX_MD, approve_all, wrong_answer
from tests.samples import zorbex_meta


def events(hub, name: str) -> list:  # type: ignore[no-untyped-def]
    return hub.audit.query(event=name, limit=1000)


def test_generated_items_are_drafts_until_a_content_owner_approves(lhub, zorbex, people, clock) -> None:
    learning, olive, ana = lhub.learning, people["olive"], people["ana"]
    run = learning.generate(olive)
    assert run.kept == len(run.item_ids) >= 6 and run.generated == run.kept + sum(run.rejected.values())
    items = learning.list_items()
    assert {i.status for i in items} == {"draft"}
    assert all(i.citation.version_id == zorbex.version_id and i.citation.page == 1 for i in items)
    assert all(i.citation.passage in ZORBEX_MD for i in items)
    with pytest.raises(NotFound, match="no approved quiz items"):
        learning.start_quiz(ana)
    learning.approve(items[0].id, olive, "fine")
    quiz = learning.start_quiz(ana, n=5)
    assert [q.id for q in quiz.items] == [items[0].id]
    learning.reject(items[1].id, olive, "too easy")
    with pytest.raises(Conflict):
        learning.approve(items[0].id, olive)  # already approved
    assert learning.list_items(status="rejected")[0].id == items[1].id
    (gen,) = events(lhub, "quiz.items_generated")
    assert gen.payload["kept"] == run.kept and gen.actor == "olive"
    assert [e.subject for e in events(lhub, "quiz_item.approved")] == [items[0].id]
    assert events(lhub, "quiz_item.rejected")[0].payload["reason"] == "too easy"
    assert events(lhub, "quiz.started")[0].payload["item_ids"] == [items[0].id]
    # Running the generator again finds nothing new: every item is a duplicate of a stored one.
    clock.advance(minutes=5)
    again = learning.generate(olive)
    assert again.kept == 0 and again.rejected.get("duplicate", 0) >= run.kept
    assert learning.runs()[0]["run_id"] == again.run_id


def test_answers_are_scored_stored_and_explained_and_attempts_are_independent(lhub, zorbex, people) -> None:
    learning, ana, ben = lhub.learning, people["ana"], people["ben"]
    items = approve_all(lhub, people["olive"])
    mcq = next(i for i in items if i.type == "mcq")
    first = learning.start_quiz(ana, item_ids=[mcq.id])
    with pytest.raises(InvalidInput, match="choose one of the options"):
        learning.answer(ana, first.attempt_id, mcq.id, "not an option")
    fb = learning.answer(ana, first.attempt_id, mcq.id, wrong_answer(mcq))
    assert not fb.correct and fb.correct_answer == mcq.answer
    assert fb.citation.title == "Zorbex Prescribing Information" and fb.citation.version == "1.0"
    assert fb.citation.page_label == "page 1" and fb.correct_answer in fb.citation.passage
    with pytest.raises(Conflict, match="already answered"):
        learning.answer(ana, first.attempt_id, mcq.id, mcq.answer)
    with pytest.raises(NotFound):
        learning.answer(ben, first.attempt_id, mcq.id, mcq.answer)  # not ben's attempt
    second = learning.start_quiz(ana, item_ids=[mcq.id])
    assert second.attempt_id != first.attempt_id
    assert learning.answer(ana, second.attempt_id, mcq.id, mcq.answer).correct
    answered = events(lhub, "quiz.answered")
    assert [e.payload["correct"] for e in answered] == [False, True] and answered[0].actor == "ana"
    cloze = next(i for i in items if i.type == "cloze")
    quiz = learning.start_quiz(ben, item_ids=[cloze.id])
    assert learning.answer(ben, quiz.attempt_id, cloze.id, f"  {cloze.answer.upper()} ").correct
    with pytest.raises(InvalidInput, match="not part of attempt"):
        learning.answer(ben, quiz.attempt_id, mcq.id, mcq.answer)


def test_questions_hide_the_answer_and_quizzes_filter_by_scope(lhub, zorbex, people) -> None:
    items = approve_all(lhub, people["olive"])
    quiz = lhub.learning.start_quiz(people["ana"], topic="Safety", n=30)
    assert quiz.items and all(q.topic == "Safety" for q in quiz.items)
    assert all("answer" not in q.model_dump() for q in quiz.items)
    assert len(lhub.learning.start_quiz(people["ana"], product="Zorbex", n=3).items) == 3
    assert len(lhub.learning.start_quiz(people["ana"], document_id=zorbex.document_id, n=30).items) == len(items)
    with pytest.raises(NotFound):
        lhub.learning.start_quiz(people["ana"], product="Nothing")
    with pytest.raises(InvalidInput):
        lhub.learning.start_quiz(people["ana"], n=0)


def test_edits_are_rechecked_back_to_draft_and_audited(lhub, zorbex, people) -> None:
    learning, olive = lhub.learning, people["olive"]
    items = approve_all(lhub, olive)
    mcq = next(i for i in items if i.type == "mcq")
    leaking = mcq.stem.replace("_____", mcq.answer)  # no gap: the answer is in the stem
    with pytest.raises(InvalidInput, match="option_in_stem"):
        learning.edit(mcq.id, olive, stem=leaking)
    edited = learning.edit(mcq.id, olive, explanation="See the efficacy section.")
    assert edited.status == "draft" and edited.explanation == "See the efficacy section."
    (entry,) = events(lhub, "quiz_item.edited")
    assert entry.payload["before"]["explanation"] == mcq.explanation
    assert entry.payload["after"] == {"explanation": "See the efficacy section."}
    tf = next(i for i in items if i.type == "true_false")
    with pytest.raises(InvalidInput, match="true/false"):
        learning.edit(tf.id, olive, answer="True" if tf.answer == "False" else "False")
    # A statement that loses its facts fails the re-run checks, whatever the key.
    with pytest.raises(InvalidInput, match="check"):
        learning.edit(tf.id, olive, stem="Something else entirely for the statement.")


def test_true_false_stems_can_be_reworded_and_the_checks_run_again(lhub, zorbex, people) -> None:
    learning, olive = lhub.learning, people["olive"]
    items = approve_all(lhub, olive)
    true_item = next((i for i in items if i.type == "true_false" and i.answer == "True"), None)
    false_item = next((i for i in items if i.type == "true_false" and i.answer == "False"), None)
    assert true_item is not None and false_item is not None, "the sample document gives both kinds"
    # True: a rewording that keeps every fact of the passage is accepted, back to draft and audited.
    reworded = "In short: " + true_item.stem[0].lower() + true_item.stem[1:]
    edited = learning.edit(true_item.id, olive, stem=reworded)
    assert edited.stem == reworded and edited.status == "draft"
    assert events(lhub, "quiz_item.edited")[-1].payload["after"] == {"stem": reworded}
    # ... one that changes a number no longer states the passage: refused.
    facts = learning.generator().lexicon.facts(true_item.stem)
    changed = true_item.stem[: facts[0].start] + "999 mg" + true_item.stem[facts[0].end :]
    with pytest.raises(InvalidInput, match="answer_not_in_passage"):
        learning.edit(true_item.id, olive, stem=changed)
    # False: the changed fact must stay and the source's fact must not come back.
    with pytest.raises(InvalidInput, match="false_not_altered"):
        learning.edit(false_item.id, olive, stem=false_item.citation.passage)
    assert learning.edit(false_item.id, olive, stem="Note: " + false_item.stem).stem.startswith("Note: ")


def _answer_all(hub, who, items) -> None:  # type: ignore[no-untyped-def]
    quiz = hub.learning.start_quiz(who, item_ids=[i.id for i in items])
    for item in items:
        hub.learning.answer(who, quiz.attempt_id, item.id, item.answer)


def test_withdrawing_a_document_retires_its_items_and_cards(lhub, zorbex, people, clock) -> None:
    items = approve_all(lhub, people["olive"])
    _answer_all(lhub, people["ana"], items[:3])
    clock.advance(days=2)
    assert len(lhub.learning.due_reviews(people["ana"])) == 3
    lhub.set_status(zorbex.version_id, Status.withdrawn, actor=people["olive"], reason="error in dosing")
    assert {i.status for i in lhub.learning.list_items()} == {"retired"}
    assert lhub.learning.due_reviews(people["ana"]) == []
    clock.advance(days=30)
    assert lhub.learning.due_reviews(people["ana"]) == []
    with pytest.raises(NotFound):
        lhub.learning.start_quiz(people["ana"])
    assert events(lhub, "quiz_item.retired")[0].payload["items"] == len(items)


def test_a_new_version_supersedes_and_retires_the_old_items(lhub, zorbex, people, clock) -> None:
    items = approve_all(lhub, people["olive"])
    _answer_all(lhub, people["ana"], items[:2])
    quiz = lhub.learning.start_quiz(people["ben"], item_ids=[items[3].id])
    v2 = ZORBEX_MD.replace("every 8 weeks", "every 12 weeks")
    result = lhub.ingestion.ingest_bytes(v2.encode(), "zorbex-pi-v2.md", zorbex_meta(version="2.0"))
    assert result.superseded == [zorbex.version_id]
    assert {i.status for i in lhub.learning.list_items()} == {"retired"}
    clock.advance(days=2)
    assert lhub.learning.due_reviews(people["ana"]) == []
    with pytest.raises(Conflict, match="retired"):
        lhub.learning.answer(people["ben"], quiz.attempt_id, items[3].id, items[3].answer)
    fresh = lhub.learning.generate(people["olive"])
    assert fresh.kept > 0
    assert {i.citation.version for i in lhub.learning.list_items(status="draft")} == {"2.0"}


def test_expired_content_is_never_served_even_before_the_sweep(lhub, zorbex, people, clock) -> None:
    items = approve_all(lhub, people["olive"])
    _answer_all(lhub, people["ana"], items[:2])
    clock.now = dt.datetime(2028, 1, 2, 9, 0, tzinfo=dt.UTC)  # past the 2027-12-31 expiry; no sweep has run
    assert lhub.learning.due_reviews(people["ana"]) == []
    assert {i.status for i in lhub.learning.list_items()} == {"retired"}
    assert lhub.expire_due() == [zorbex.version_id]


def test_micro_module_fits_five_minutes_with_cited_key_points(lhub, zorbex, people) -> None:
    approve_all(lhub, people["olive"])
    module = lhub.learning.module(zorbex.document_id)
    assert 3 <= len(module.key_points) <= 5 and 3 <= len(module.items) <= 5
    assert module.estimated_minutes <= 5
    for point in module.key_points:
        assert point.text in ZORBEX_MD and point.citation.version == "1.0" and point.citation.page_label == "page 1"
    quiz = lhub.learning.start_quiz(people["ana"], item_ids=[i.id for i in module.items])
    assert quiz.kind == "module" and len(quiz.items) == len(module.items)
    safety = lhub.learning.module(zorbex.document_id, section="Zorbex Prescribing Information > Safety")
    assert all("Safety" in p.citation.section for p in safety.key_points)
    with pytest.raises(NotFound):
        lhub.learning.module("nope")
