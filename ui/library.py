"""Library tab (content owner): upload files with approval metadata, browse versions, approve, withdraw."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from hub.errors import HubError
from hub.service import Hub
from ingest.errors import BadMetadata
from ingest.metadata import DocType, Status, parse_metadata
from ui import quiz_review, render
from ui.session import allowed, guard

log = logging.getLogger(__name__)

FILE_TYPES = [".pdf", ".pptx", ".docx", ".md", ".txt", ".html", ".htm"]
RESULT_HEADERS = ["file", "result", "title", "version", "state", "pages", "chunks", "what to do / detail"]
VERSION_HEADERS = [
    "document",
    "version",
    "state",
    "shown in answers",
    "state reason",
    "type",
    "product",
    "area",
    "approval id",
    "effective",
    "expiry",
    "file",
    "version id",
]


def title_from_file(name: str) -> str:
    """A readable default title from a file name ('lumerza-dosing-faq.docx' -> 'Lumerza dosing faq')."""
    stem = Path(name).stem.replace("_", " ").replace("-", " ").strip()
    return stem[:1].upper() + stem[1:] if stem else name


def metadata_fields(
    title: str,
    doc_type: str,
    product: str,
    area: str,
    version: str,
    approval_id: str,
    effective: str,
    expiry: str,
    status: str,
    owner: str,
) -> dict[str, Any]:
    """The form as a raw metadata mapping (blank fields left out, so the defaults apply)."""
    raw = dict(
        title=title,
        doc_type=doc_type,
        product=product,
        therapeutic_area=area,
        version=version,
        approval_id=approval_id,
        effective_date=effective,
        expiry_date=expiry,
        status=status,
        owner=owner,
    )
    return {k: v.strip() for k, v in raw.items() if isinstance(v, str) and v.strip()}


def ingest_files(
    hub: Hub, who: Any, paths: list[str], raw: dict[str, Any], progress: Callable[..., Any] | None = None
) -> list[list[Any]]:
    """Ingest each file with the form's metadata; one result row per file, failures in words."""
    rows: list[list[Any]] = []
    for i, path in enumerate(paths):
        name = Path(path).name
        if progress:
            progress((i, len(paths)), desc=f"Ingesting {name}")
        fields = dict(raw)
        fields.setdefault("title", title_from_file(name))
        fields.setdefault("owner", who.name)
        try:
            meta = parse_metadata(fields, file=name)
            result = hub.upload(Path(path).read_bytes(), name, meta, actor=who)
        except BadMetadata as exc:
            rows.append([name, "failed", fields.get("title", ""), "", "", "", "", exc.message])
            continue
        except HubError as exc:
            rows.append([name, "failed", fields.get("title", ""), "", "", "", "", exc.message])
            continue
        detail = result.message or (f"replaces {len(result.superseded)} older version(s)" if result.superseded else "")
        if result.outcome == "unchanged":
            # Identical bytes are a no-op; say what the stored copy is, so "unchanged" is not read as success.
            detail = f"already stored as {result.title} v{result.version} ({result.status}); nothing was changed"
            if result.status == Status.superseded:
                detail += ". To use it again, choose it under Documents and versions, give a reason and press Approve"
            elif result.status in (Status.withdrawn, Status.expired):
                detail += (
                    f". A {result.status} version cannot come back; change the file and upload it as a new version"
                )
        if result.outcome == "ingested" and result.status == Status.draft:
            detail = detail or "saved as draft: approve it below to make it answerable"
        rows.append(
            [
                name,
                result.outcome,
                result.title or "",
                result.version or "",
                result.status or "",
                result.pages,
                result.chunks,
                detail,
            ]
        )
    if progress:
        progress((len(paths), len(paths)), desc="Done")
    return rows


def version_rows(hub: Hub) -> list[list[Any]]:
    today = hub.clock()
    rows = []
    for doc in hub.documents():
        for v in reversed(doc.versions):
            rows.append(
                [
                    doc.title,
                    v.version_label,
                    v.status,
                    "yes" if v.is_retrievable(today) else "no",
                    v.status_reason,
                    v.doc_type,
                    v.product,
                    v.therapeutic_area,
                    v.approval_id,
                    v.effective_date or "",
                    v.expiry_date or "",
                    v.source_file,
                    v.id,
                ]
            )
    return rows


def _no_live_hint(hub: Hub, document_id: str) -> str:
    """When a document has no live version left, say so and how to bring the previous one back."""
    doc = hub.document(document_id)
    if any(v.status == Status.approved for v in doc.versions):
        return ""
    previous = [v for v in doc.versions if v.status == Status.superseded]
    if not previous:
        return f"<p class='hub-bad'>{render.esc(doc.title)} has no approved version now.</p>"
    last = previous[-1]
    return (
        f"<p class='hub-bad' id='lib-no-live'>{render.esc(doc.title)} has no approved version now. To bring back "
        f"v{render.esc(last.version_label)}, choose it below, give a reason and press Approve (restore).</p>"
    )


def version_choices(hub: Hub) -> list[tuple[str, str]]:
    """Dropdown entries '(title) v(label): (state)' -> version id."""
    return [(f"{r[0]} v{r[1]}: {r[2]}", r[-1]) for r in version_rows(hub)]


def build(get_hub: Callable[[], Hub], principal: gr.State) -> tuple[gr.Tab, Callable[..., Any], list[Any]]:
    with gr.Tab("Library", id="library", visible=False, elem_id="tab-library") as tab:
        with gr.Accordion("Upload approved content", open=True):
            files = gr.File(
                label="Files (PDF, PPTX, DOCX, MD, TXT, HTML)",
                file_count="multiple",
                file_types=FILE_TYPES,
                elem_id="lib-files",
            )
            with gr.Row(elem_classes=["hub-stack-on-phone"]):
                title = gr.Textbox(
                    label="Title (blank: from each file name; same title = new version)",
                    elem_id="lib-title",
                    min_width=0,
                )
                doc_type = gr.Dropdown(
                    [d.value for d in DocType],
                    value=DocType.label.value,
                    label="Document type",
                    elem_id="lib-doctype",
                    min_width=0,
                )
                status = gr.Radio(
                    [Status.draft.value, Status.approved.value],
                    value=Status.draft.value,
                    label="State at upload",
                    elem_id="lib-status",
                    min_width=0,
                )
            with gr.Row(elem_classes=["hub-stack-on-phone"]):
                product = gr.Textbox(label="Product", elem_id="lib-product", min_width=0)
                area = gr.Textbox(label="Therapeutic area", elem_id="lib-area", min_width=0)
                version = gr.Textbox(label="Version label", value="1.0", elem_id="lib-version", min_width=0)
                approval_id = gr.Textbox(label="Approval id / job code", elem_id="lib-approval", min_width=0)
            with gr.Row(elem_classes=["hub-stack-on-phone"]):
                effective = gr.Textbox(label="Effective date (YYYY-MM-DD)", elem_id="lib-effective", min_width=0)
                expiry = gr.Textbox(label="Expiry date (YYYY-MM-DD)", elem_id="lib-expiry", min_width=0)
            upload = gr.Button("Upload and ingest", variant="primary", elem_id="lib-upload")
            results = gr.HTML("", elem_id="lib-results")
        gr.Markdown("## Documents and versions")
        versions = gr.HTML("", elem_id="lib-versions")
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            chosen = gr.Dropdown([], label="Version", elem_id="lib-version-pick", scale=3, min_width=0)
            refresh = gr.Button("Refresh", size="sm", scale=0, min_width=90, elem_id="lib-refresh")
        reason = gr.Textbox(
            label="Reason (required to withdraw, or to restore a superseded version)", elem_id="lib-reason"
        )
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            approve = gr.Button("Approve", variant="primary", elem_id="lib-approve", min_width=0)
            withdraw = gr.Button("Withdraw", variant="stop", elem_id="lib-withdraw", min_width=0)
        action_msg = gr.HTML("", elem_id="lib-action-message")
        review_load, review_outputs = quiz_review.build(get_hub, principal)

    def listing(hub: Hub) -> tuple[str, Any]:
        return (
            render.table(VERSION_HEADERS, version_rows(hub), empty="No documents yet."),
            gr.update(choices=version_choices(hub), value=None),
        )

    @guard("library", get_hub, outputs=5)
    def on_upload(
        who: Any,
        paths: list[str] | None,
        t: str,
        d: str,
        s: str,
        p: str,
        a: str,
        v: str,
        ap: str,
        eff: str,
        exp: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        hub = get_hub()
        paths = [str(p_) for p_ in (paths or [])]
        if not paths:
            return (
                "<p class='hub-bad' role='alert'>Choose one or more files to upload.</p>",
                *[gr.update()] * 4,
            )
        if t.strip() and len(paths) > 1:
            return (
                "<p class='hub-bad' role='alert'>A title names one document. Leave the title blank to use each "
                "file's name, or upload the files one at a time.</p>",
                *[gr.update()] * 4,
            )
        raw = metadata_fields(t, d, p, a, v, ap, eff, exp, s, "")
        rows = ingest_files(hub, who, paths, raw, progress)
        failed = sum(r[1] == "failed" for r in rows)
        unchanged = sum(r[1] == "unchanged" for r in rows)
        fine = len(rows) - failed - unchanged
        summary = (
            f"<p class='{'hub-bad' if failed or unchanged else 'hub-ok'}' role='status'>{fine} of {len(rows)} "
            f"file(s) ingested{f', {unchanged} already stored (nothing changed)' if unchanged else ''}"
            f"{f', {failed} failed: see each row' if failed else ''}.</p>"
        )
        if failed:
            # Keep the chosen files (and the form) so the user can fix the metadata and try again.
            return (summary + render.table(RESULT_HEADERS, rows), *listing(hub), gr.update(), gr.update())
        # Done: clear the files and the title, so the next file never becomes a version of this document.
        return (summary + render.table(RESULT_HEADERS, rows), *listing(hub), None, "")

    upload.click(
        on_upload,
        [principal, files, title, doc_type, status, product, area, version, approval_id, effective, expiry],
        [results, versions, chosen, files, title],
    )

    # A refused approval is explained under the buttons; the versions table stays readable above.
    @guard("library", get_hub, outputs=4)
    def on_approve(who: Any, version_id: str | None, why: str) -> tuple[Any, ...]:
        hub = get_hub()
        if not version_id:
            return "<p class='hub-bad' role='alert'>Choose a version first.</p>", gr.update(), gr.update(), gr.update()
        before = hub.version(version_id)
        restoring = before.status == Status.superseded
        if restoring and not (why or "").strip():
            return (
                "<p class='hub-bad' role='alert'>Say why this superseded version is restored; the reason goes "
                "into the audit log.</p>",
                gr.update(),
                gr.update(),
                gr.update(),
            )
        hub.set_status(version_id, Status.approved, actor=who, reason=(why or "").strip())
        v = hub.version(version_id)
        note = "" if v.is_retrievable(hub.clock()) else " It is not shown in answers yet: check its dates."
        done = "Restored" if restoring else "Approved"
        return (
            f"<p class='hub-ok'>{done} {render.esc(v.title)} v{render.esc(v.version_label)}; older "
            f"approved versions of it are superseded.{render.esc(note)}</p>",
            *listing(hub),
            "",
        )

    @guard("library", get_hub, outputs=3)
    def on_withdraw(who: Any, version_id: str | None, why: str) -> tuple[Any, ...]:
        hub = get_hub()
        if not version_id:
            return "<p class='hub-bad'>Choose a version first.</p>", gr.update(), gr.update()
        if not (why or "").strip():
            # Keep the chosen version so the user only has to add the reason.
            return (
                "<p class='hub-bad'>Say why the version is withdrawn; the reason goes into the audit log.</p>",
                gr.update(),
                gr.update(),
            )
        hub.set_status(version_id, Status.withdrawn, actor=who, reason=why.strip())
        v = hub.version(version_id)
        return (
            f"<p class='hub-ok'>Withdrawn {render.esc(v.title)} v{render.esc(v.version_label)}: it is no longer "
            f"shown in answers or quizzes.</p>{_no_live_hint(hub, v.document_id)}",
            *listing(hub),
        )

    approve.click(on_approve, [principal, chosen, reason], [action_msg, versions, chosen, reason])
    withdraw.click(on_withdraw, [principal, chosen, reason], [action_msg, versions, chosen])

    @guard("library", get_hub, outputs=2)
    def on_refresh(who: Any) -> tuple[Any, ...]:
        return listing(get_hub())

    refresh.click(on_refresh, [principal], [versions, chosen])

    def load(who: Any) -> tuple[Any, ...]:
        if not allowed(who, "library"):
            return "", "", gr.update(choices=[], value=None), "", *review_load(who)
        return "", *listing(get_hub()), "", *review_load(who)

    return tab, load, [results, versions, chosen, action_msg, *review_outputs]
