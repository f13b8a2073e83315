"""Safety notice, error placement and HTML-as-text in the UI's callbacks and fragments (real hub, no browser)."""

from __future__ import annotations

import gradio as gr
import pytest

from hub.auth import Principal, Role
from hub.safety import SafetyTerms
from tests.ui.test_guards import guarded_callbacks, signed_in
from ui import compliance, render
from ui.app import build_ui

ADVERSE = "My patient developed elevated ALT and a rash after the second dose of Lumerza. What should I do?"


def callback(hub, name: str, module: str = ""):  # type: ignore[no-untyped-def]
    return next(
        f for f in guarded_callbacks(build_ui(lambda: hub)) if f.__name__ == name and f.__module__.endswith(module)
    )


def test_matched_words_are_the_texts_own_words_not_patterns() -> None:
    terms = SafetyTerms.load(None)
    words = terms.matched_words(ADVERSE)
    assert words and all("\\" not in w and "(?:" not in w for w in words)
    assert any(w.lower().startswith("my patient developed") for w in words)
    assert terms.matched_words("What are the most common adverse reactions?") == []


def test_msl_sees_the_safety_notice_first_with_wording_from_settings(make_hub) -> None:
    hub = make_hub(safety_notice="Report <b>now</b> to PV.", safety_contact="pv@example.test, +1 555 0100")
    user, _ = hub.users.add("maria", Role.msl)
    who = Principal(user.id, user.name, Role.msl)
    on_ask = callback(hub, "on_ask")
    shown, *_rest = on_ask(who, ADVERSE, None, None, None, request=signed_in(hub, who))
    assert "id='ask-safety'" in shown
    # Before anything else the answer holds, refusal included.
    assert shown.index("ask-safety") < min(i for i in (shown.find("hub-refusal"), shown.find("hub-answer")) if i > 0)
    assert "Report &lt;b&gt;now&lt;/b&gt; to PV." in shown and "<b>now</b>" not in shown
    assert "pv@example.test, +1 555 0100" in shown
    plain, *_rest = on_ask(who, "What is the half-life?", None, None, None, request=signed_in(hub, who))
    assert "ask-safety" not in plain


def test_compliance_reads_the_matching_words(make_hub) -> None:
    hub = make_hub()
    user, _ = hub.users.add("maria", Role.msl)
    ans = hub.ask(ADVERSE, user=Principal(user.id, user.name, Role.msl))
    assert ans.flagged
    detail = compliance.detail_html(hub, ans.audit_id)
    assert "id='aud-safety'" in detail
    assert "the question says \u201cMy patient developed" in detail
    assert "re:" not in detail.split("Full record")[0] and "(?:" not in detail.split("Full record")[0]


def test_empty_question_replaces_the_previous_answer_with_the_reason(make_hub) -> None:
    hub = make_hub()
    user, _ = hub.users.add("maria", Role.msl)
    who = Principal(user.id, user.name, Role.msl)
    shown, *others = callback(hub, "on_ask")(who, "   ", None, None, None, request=signed_in(hub, who))
    assert "the question is empty" in shown and "role='alert'" in shown
    assert all(isinstance(o, dict) and o.get("__type__") == "update" and "value" not in o for o in others)


@pytest.mark.parametrize("title", ["<form action='//evil'><input type=password></form>"])
def test_a_refused_approve_is_text_next_to_the_buttons(make_hub, label_pdf, meta, title: str) -> None:
    """Before: the refusal was a gr.Error overlay over the versions table, rendered as HTML."""
    hub = make_hub()
    user, _ = hub.users.add("olivia", Role.content_owner)
    who = Principal(user.id, user.name, Role.content_owner)
    v1 = hub.ingestion.ingest_bytes(label_pdf, "label.pdf", meta(title=title, status="approved"), actor=who)
    hub.set_status(v1.version_id, "withdrawn", actor=who, reason="test")
    out = callback(hub, "on_approve", "library")(who, v1.version_id, "", request=signed_in(hub, who))
    message, table, chosen, _reason = out
    assert "hub-bad" in message and "cannot change a version from withdrawn" in message
    assert "<form" not in message
    assert table == gr.update() and chosen == gr.update()


def test_flagging_without_a_comment_keeps_the_comment_box(make_hub) -> None:
    hub = make_hub()
    user, _ = hub.users.add("carla", Role.compliance)
    who = Principal(user.id, user.name, Role.compliance)
    record = hub.audit.query(limit=1)[0]
    out = callback(hub, "on_review", "compliance")(who, record.id, "flagged", "", request=signed_in(hub, who))
    assert "say why" in out[0] and "role='alert'" in out[0]
    assert out[1] == gr.update() and out[2] == gr.update()


def test_duplicate_user_name_is_explained_and_the_form_kept(make_hub) -> None:
    hub = make_hub()
    admin, _ = hub.users.add("root", Role.admin)
    who = Principal(admin.id, admin.name, Role.admin)
    hub.users.add("maria", Role.msl)
    out = callback(hub, "on_add")(who, "maria", "msl", "", request=signed_in(hub, who))
    assert "hub-bad" in out[0] and "maria" in out[0]
    assert all(o == gr.update() for o in out[1:])


def test_render_escapes_section_and_shows_where_without_expanding() -> None:
    from types import SimpleNamespace

    c = SimpleNamespace(
        n=1,
        title="Label",
        version="3.0",
        page_label="page 5",
        section="2.1 Recommended <i>Dosage</i>",
        quote="q",
        source_file="l.pdf",
        chunk_id="c",
    )
    html = render.citation(c, "a q b")
    summary = html.split("<summary>")[1].split("</summary>")[0]
    assert "version 3.0" in summary and "page 5" in summary and "2.1 Recommended &lt;i&gt;Dosage" in summary
    no_section = render.citation(SimpleNamespace(**{**vars(c), "section": None}), "a q b")
    assert "None" not in no_section and "version 3.0 · page 5</span>" in no_section


def test_original_opens_for_signed_in_readers_only_and_is_audited(make_hub, label_pdf, meta) -> None:
    from fastapi.testclient import TestClient

    from hub.api import create_app
    from ui import originals, sessions
    from ui.app import mount

    hub = make_hub()
    owner, _ = hub.users.add("olivia", Role.content_owner)
    msl, _ = hub.users.add("maria", Role.msl)
    manager, _ = hub.users.add("mo", Role.manager)
    done = hub.ingestion.ingest_bytes(
        label_pdf, "label.pdf", meta(), actor=Principal(owner.id, owner.name, Role.content_owner)
    )
    link = originals.url(done.version_id, 2)
    with TestClient(mount(create_app(hub=hub))) as client:
        assert client.get(link).status_code == 401  # no session cookie at all
        page = client.get("/")
        assert page.status_code == 200
        cookie = page.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
        sid = client.cookies[sessions.COOKIE]
        assert client.get(link).status_code == 401  # a session, but nobody signed in on it
        store = sessions.store_for(hub)
        store.sign_in(sid, Principal(manager.id, manager.name, Role.manager))
        assert client.get(link).status_code == 403
        store.sign_in(sid, Principal(msl.id, msl.name, Role.msl))
        before = len(hub.audit.query(event=["document.opened"], limit=100))
        got = client.get(link)
        assert got.status_code == 200 and got.content == label_pdf
        assert got.headers["content-type"] == "application/pdf" and got.headers["x-content-type-options"] == "nosniff"
        opened = hub.audit.query(event=["document.opened"], limit=100)
        assert len(opened) == before + 1 and opened[-1].actor == "maria" and opened[-1].payload["page"] == 2
        # Gradio's own upload route: signed-in sessions only (before: anyone could upload).
        assert client.post("/gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code != 401
        client.cookies.clear()
        refused = client.post("/gradio_api/upload", files={"files": ("a.txt", b"x")})
        assert refused.status_code == 401
        # An MSL cannot open a version that is no longer shown in answers.
        client.cookies.set(sessions.COOKIE, sid)
        hub.set_status(
            done.version_id, "withdrawn", actor=Principal(owner.id, owner.name, Role.content_owner), reason="x"
        )
        assert client.get(link).status_code == 404


def test_refusal_says_what_to_do_and_records_a_medical_information_request(make_hub, label_pdf, meta) -> None:
    hub = make_hub()
    owner, _ = hub.users.add("olivia", Role.content_owner)
    hub.ingestion.ingest_bytes(
        label_pdf, "label.pdf", meta(), actor=Principal(owner.id, owner.name, Role.content_owner)
    )
    user, _ = hub.users.add("maria", Role.msl)
    who = Principal(user.id, user.name, Role.msl)
    shown, recent, asked, mi_button, _msg = callback(hub, "on_ask")(
        who, "and in children?", None, None, None, request=signed_in(hub, who)
    )
    assert "hub-refusal" in shown
    assert "id='ask-hint'" in shown and "does not name a product" in shown and "Zorbex" in shown
    assert "id='ask-nearest'" in shown  # the closest approved passages, clearly not an answer
    assert mi_button["visible"] is True and asked["question"] == "and in children?"
    _button, message = callback(hub, "on_mi_request")(who, asked, request=signed_in(hub, who))
    assert "Request recorded" in message
    request = hub.audit.query(event=["mi_request.created"], limit=10)[-1]
    assert request.actor == "maria" and request.payload["refusal_audit_id"] == asked["audit_id"]
    # The recent questions re-open an earlier answer from the audit log (only the user's own).
    audit_id = recent["choices"][0][1]
    again, *_ = callback(hub, "on_reopen")(who, audit_id, request=signed_in(hub, who))
    assert "id='ask-reopened'" in again and "and in children?" in again
    other, _ = hub.users.add("ben", Role.msl)
    stranger = Principal(other.id, other.name, Role.msl)
    refused, *_ = callback(hub, "on_reopen")(stranger, audit_id, request=signed_in(hub, stranger))
    assert "hub-bad" in refused and "and in children?" not in refused


def test_compliance_text_search_period_and_csv_of_the_filtered_view(make_hub) -> None:
    import csv
    import io
    import stat
    from pathlib import Path

    hub = make_hub()
    msl, _ = hub.users.add("maria", Role.msl)
    auditor, _ = hub.users.add("carla", Role.compliance)
    asker = Principal(msl.id, msl.name, Role.msl)
    hub.ask("What is the half-life of Zorbex?", user=asker)
    hub.ask(ADVERSE, user=asker)
    who = Principal(auditor.id, auditor.name, Role.compliance)
    search = callback(hub, "on_search", "compliance")
    args = ["Last 24 hours", "", "", "Any", "", "Answers and refusals", False, False, False]
    table, _choices, _detail = search(who, *args, "elevated alt", request=signed_in(hub, who))
    assert "1 record(s)" in table and "elevated ALT" in table and "half-life" not in table
    exported = callback(hub, "on_export_view", "compliance")(who, *args, "", request=signed_in(hub, who))
    path = Path(exported["value"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert [r["question"] for r in rows] == ["What is the half-life of Zorbex?", ADVERSE]
    assert rows[1]["flagged"] == "yes" and rows[0]["refusal_reason"]  # nothing is ingested: both refused
    record = hub.audit.query(event=["audit.exported"], limit=10)[-1]
    assert record.payload["format"] == "csv-view" and record.payload["records"] == 2
