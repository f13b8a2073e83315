"""Quiz review at scale: filtered, paged listing with counts, facets, and bulk decisions."""

from __future__ import annotations

import pytest

from hub.errors import InvalidInput


def test_filters_pages_and_counts_agree(lhub, zorbex, people) -> None:  # type: ignore[no-untyped-def]
    run = lhub.learning.generate(people["olive"])
    assert run.kept >= 3
    service = lhub.learning
    total = service.count_items(status="draft")
    assert total == len(service.list_items(status="draft", limit=1000)) == run.kept
    pages = [service.list_items(status="draft", limit=2, offset=o) for o in range(0, total, 2)]
    seen = [i.id for page in pages for i in page]
    assert len(seen) == len(set(seen)) == total  # pages neither overlap nor skip
    facets = service.item_facets()
    kinds = [k for k, _ in facets["type"]]
    assert kinds and [doc_id for _title, doc_id in facets["document"]] == [zorbex.document_id]
    for kind in kinds:
        listed = service.list_items(status="draft", item_type=kind, limit=1000)
        assert listed and {i.type for i in listed} == {kind}
        assert service.count_items(status="draft", item_type=kind) == len(listed)
    topic = facets["topic"][0][0]
    assert {i.topic for i in service.list_items(topic=topic, limit=1000)} == {topic}


def test_bulk_decisions_act_on_each_item_and_report_refusals(lhub, zorbex, people) -> None:  # type: ignore[no-untyped-def]
    service = lhub.learning
    ids = service.generate(people["olive"]).item_ids
    first, second, third = ids[:3]
    with pytest.raises(InvalidInput, match="say why"):
        service.decide_many([first], people["olive"], "reject", "")
    done, failed = service.decide_many([first, second], people["olive"], "approve")
    assert [i.status for i in done] == ["approved", "approved"] and failed == {}
    done, failed = service.decide_many([third, "no-such-item", third], people["olive"], "reject", "trivial")
    assert [i.id for i in done] == [third] and list(failed) == ["no-such-item"]
    assert service.count_items(status="approved") == 2 and service.count_items(status="rejected") == 1
    audited = lhub.audit.query(event=["quiz_item.approved", "quiz_item.rejected"], limit=100)
    assert {e.subject for e in audited} >= {first, second, third}
