"""The Hub methods the routers and the web UI use instead of the stores: the rules they carry
(who may open an original, whose answer may be re-opened) and the audit records they write."""

from __future__ import annotations

import pytest

from hub.auth import Principal, Role
from hub.errors import NotFound
from hub.service import AskFilters


def _people(hub):
    owner, _ = hub.users.add("olivia", Role.content_owner)
    msl, _ = hub.users.add("maria", Role.msl)
    other, _ = hub.users.add("max", Role.msl)
    as_principal = lambda u, role: Principal(u.id, u.name, role)  # noqa: E731
    return as_principal(owner, Role.content_owner), as_principal(msl, Role.msl), as_principal(other, Role.msl)


def test_an_msl_learns_nothing_from_a_hidden_version_and_each_opening_is_audited(hub, label_pdf, meta) -> None:
    owner, msl, _ = _people(hub)
    done = hub.upload(label_pdf, "label.pdf", meta(), actor=owner)
    version, path = hub.open_original(msl, done.version_id, page=2, channel="api-test")
    assert path.read_bytes() == label_pdf and version.id == done.version_id
    opened = hub.audit.query(event=["document.opened"], limit=10)
    assert [(e.actor, e.payload["page"], e.payload["channel"]) for e in opened] == [("maria", 2, "api-test")]

    hub.set_status(done.version_id, "withdrawn", actor=owner, reason="replaced")
    with pytest.raises(NotFound) as hidden:
        hub.open_original(msl, done.version_id, page=None, channel="ui")
    with pytest.raises(NotFound) as unknown:
        hub.open_original(msl, "no-such-id", page=None, channel="ui")
    assert hidden.value.message == unknown.value.message  # the same words: hidden looks unknown
    # The content owner still reads the withdrawn version; refused attempts left no record.
    hub.open_original(owner, done.version_id, page=None, channel="ui")
    assert len(hub.audit.query(event=["document.opened"], limit=10)) == 2


def test_answers_re_open_for_their_asker_only_and_requests_are_recorded(hub, label_pdf, meta) -> None:
    owner, msl, other = _people(hub)
    hub.upload(label_pdf, "label.pdf", meta(), actor=owner)
    ans = hub.ask("What is the recommended dose of Zorbex?", AskFilters(), user=msl)
    assert [e.id for e in hub.recent_answers(msl, days=30)] == [ans.audit_id]
    assert hub.recent_answers(other, days=30) == []
    assert hub.own_answer(msl, ans.audit_id).payload["question"] == "What is the recommended dose of Zorbex?"
    with pytest.raises(NotFound):
        hub.own_answer(other, ans.audit_id)

    entry = hub.request_medical_information(msl, "and in children?", ans.audit_id, channel="ui")
    assert (entry.event, entry.subject, entry.payload["question"]) == (
        "mi_request.created",
        ans.audit_id,
        "and in children?",
    )
    facets = hub.answerable_facets()
    assert facets["product"] == {"Zorbex"} and hub.counts()["documents"] == 1
