"""Look and feel: a Gradio theme that loads no web fonts, and the CSS that keeps phones usable.

The default Gradio themes may pull fonts from a CDN; pharma networks often have no route out, and
the issue forbids any request leaving the machine, so the theme uses the system font stack only.
"""

from __future__ import annotations

import gradio as gr

SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    """A calm clinical palette with system fonts (no stylesheet is fetched for them)."""
    # Primary buttons use the 700 shade: white on teal-500 measured 2.48:1, below WCAG AA's 4.5:1.
    return gr.themes.Default(
        primary_hue="teal",
        secondary_hue="slate",
        neutral_hue="slate",
        font=SYSTEM_FONTS,
        font_mono=MONO_FONTS,
    ).set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        button_primary_border_color="*primary_700",
        # "stop" buttons (withdraw, disable, reject): white on red-500 fails contrast too.
        button_cancel_background_fill="#b91c1c",
        button_cancel_background_fill_hover="#991b1b",
        button_cancel_text_color="white",
        button_cancel_border_color="#b91c1c",
    )


# Why each rule exists:
# - max-width/overflow-wrap: answers quote drug names, URLs and table rows that would otherwise push
#   the page wider than a 390 px phone;
# - .hub-scroll: wide tables scroll inside their own box instead of scrolling the whole page (the page
#   itself is never clipped with overflow:hidden, which would only hide the problem from the tests);
# - mark: the quoted passage must stand out inside its surrounding chunk text.
CSS = """
.gradio-container { max-width: 1100px !important; margin: 0 auto; }
.hub-html, .hub-html * { max-width: 100%; overflow-wrap: anywhere; word-break: break-word; box-sizing: border-box; }
/* contain: inline-size stops a wide table from widening every flex parent up to the page. */
.hub-scroll { overflow-x: auto; max-width: 100%; width: 100%; contain: inline-size; }
.hub-answer { font-size: 1.05rem; line-height: 1.55; white-space: pre-line; }
.hub-answer a.cite-ref { font-weight: 600; text-decoration: none; padding: 0 2px; border-radius: 3px;
  background: var(--color-accent-soft); cursor: pointer; }
.hub-refusal { border-left: 4px solid #b45309; background: #fffbeb; color: #451a03; padding: 0.75rem 1rem;
  border-radius: 6px; }
.hub-citation { border: 1px solid var(--border-color-primary); border-radius: 8px; margin: 0.5rem 0;
  padding: 0.25rem 0.75rem; background: var(--background-fill-secondary); }
.hub-citation summary { cursor: pointer; font-weight: 600; padding: 0.25rem 0; }
.hub-citation .hub-meta { color: var(--body-text-color-subdued); font-size: 0.9rem; }
.hub-citation blockquote { margin: 0.5rem 0; padding-left: 0.75rem; border-left: 3px solid var(--color-accent);
  white-space: pre-wrap; }
.hub-citation.hub-flash { outline: 3px solid var(--color-accent); }
mark { background: #fde68a; color: inherit; padding: 0 1px; }
.hub-ok { color: #166534; font-weight: 700; }
.hub-bad { color: #991b1b; font-weight: 700; }
.hub-feedback { padding: 0.75rem 1rem; border-radius: 6px; margin-top: 0.5rem; }
.hub-feedback.correct { background: #f0fdf4; border-left: 4px solid #16a34a; }
.hub-feedback.wrong { background: #fef2f2; border-left: 4px solid #dc2626; }
.hub-recent li { margin: 0.2rem 0; }
table.hub-table { border-collapse: collapse; width: 100%; font-size: 0.9rem; max-width: none !important; }
/* Table cells wrap at word boundaries only; a table wider than the screen scrolls in its .hub-scroll box. */
table.hub-table th, table.hub-table td { overflow-wrap: normal !important; word-break: normal !important;
  min-width: 4.5em; max-width: 32em !important; }
#lib-versions table.hub-table td:first-child, #lib-results table.hub-table td:nth-child(3) { min-width: 12em; }
table.hub-table th, table.hub-table td { border-bottom: 1px solid var(--border-color-primary); padding: 4px 6px;
  text-align: left; vertical-align: top; }
/* Accessibility: one visible h1; focus that can be seen on every control; text with at least 4.5:1 contrast. */
.hub-title { font-size: 1.5rem; margin: 0.25rem 0; }
table.hub-table th { color: #111827 !important; background: #f3f4f6; }
.upload-container .or, .upload-container .wrap, .max_value, .min_value, .progress-text, .eta-bar {
  color: #374151 !important; }
.hub-h { font-size: 1.05rem; margin: 0.75rem 0 0.25rem; }
/* Section headings are h2 (under the one h1) for a screen reader's outline, at a modest size. */
.prose h2, .hub-html h2 { font-size: 1.2rem !important; }
.hub-meta, .hub-citation .hub-meta, .hub-cite-where { color: #374151 !important; }
.hub-cite-where { font-weight: 400; font-size: 0.9rem; display: inline-block; }
.hub-open-original { margin: 0.25rem 0 0.5rem; }
input:focus-visible, textarea:focus-visible, select:focus-visible, button:focus-visible, summary:focus-visible,
a:focus-visible, [role=tab]:focus-visible, [tabindex]:focus-visible, label:focus-within {
  outline: 3px solid #0f766e !important; outline-offset: 2px; }
textarea:focus, input[type=text]:focus, input[type=password]:focus { border-color: #0f766e !important;
  box-shadow: 0 0 0 2px #0f766e !important; }
#main-tabs [role=tab][aria-selected=true], #signin [role=tab][aria-selected=true] { color: #115e59 !important; }
.hub-safety { border-left: 6px solid #b91c1c; background: #fef2f2; color: #450a0a; padding: 0.75rem 1rem;
  border-radius: 6px; margin-bottom: 0.75rem; }
.hub-safety-contact { font-weight: 600; margin: 0.25rem 0 0; }
@media (max-width: 700px) {
  .hub-stack-on-phone { flex-direction: column !important; }
  .hub-stack-on-phone > * { width: 100% !important; min-width: 0 !important; }
  .gradio-container { padding: 0 6px !important; }
  .hub-answer { font-size: 1rem; }
  /* Team plots keep a readable size on a phone and scroll sideways in their own box (the label
     badge is hidden: the heading above each plot names it, and the badge covered the plot title). */
  .hub-plot { overflow-x: auto !important; contain: inline-size; }
  .hub-plot img, .hub-plot canvas { min-width: 720px !important; max-width: none !important; }
}
"""

# Enter in the question box asks (Shift+Enter still makes a new line): Gradio's multi-line textbox
# would otherwise only add a newline. Captured on the document so it runs before Gradio's handler.
# Scrolling tables get a tab stop so keyboard users can scroll them.
_HEAD_JS = """
document.addEventListener('keydown', function (e) {
  if (e.key !== 'Enter' || e.isComposing) { return; }
  const t = e.target;
  if (!t || t.tagName !== 'TEXTAREA' || !t.closest('#ask-question')) { return; }
  e.preventDefault();
  e.stopImmediatePropagation();
  if (e.shiftKey) {
    // A new line where the cursor is; the input event keeps Gradio's copy of the value in step.
    t.setRangeText('\\n', t.selectionStart, t.selectionEnd, 'end');
    t.dispatchEvent(new Event('input', {bubbles: true}));
    return;
  }
  const button = document.querySelector('#ask-submit');
  if (button) { button.click(); }
}, true);
// Quiz review: A approves, N shows the next item, R moves to the rejection note (never while typing).
document.addEventListener('keydown', function (e) {
  if (e.ctrlKey || e.metaKey || e.altKey) { return; }
  const t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) {
    return;
  }
  const item = document.querySelector('#items-detail .hub-item-review');
  if (!item || !item.offsetParent) { return; }
  const key = e.key.toLowerCase();
  const target = {a: '#items-approve', n: '#items-next'}[key];
  if (target) { e.preventDefault(); document.querySelector(target).click(); }
  if (key === 'r') { e.preventDefault(); document.querySelector('#items-note textarea, #items-note input').focus(); }
});
new MutationObserver(function () {
  // Gradio's empty plot placeholder carries an aria-label without a role; the upload area's label
  // differs from its visible text. Both confuse screen readers (axe: aria-prohibited-attr,
  // label-content-name-mismatch).
  document.querySelectorAll('.empty[aria-label]:not([role])').forEach(function (box) {
    box.setAttribute('role', 'img');
  });
  document.querySelectorAll('.upload-container[aria-label]').forEach(function (box) {
    box.removeAttribute('aria-label');
  });
  // Times written by the server in UTC, shown in the reader's own time zone.
  document.querySelectorAll('time.hub-local:not([data-local])').forEach(function (t) {
    const d = new Date(t.getAttribute('datetime'));
    if (!isNaN(d)) {
      t.textContent = d.toLocaleString([], {weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit',
        minute: '2-digit'});
      t.setAttribute('data-local', '1');
    }
  });
  document.querySelectorAll('.hub-scroll:not([tabindex])').forEach(function (box) {
    box.setAttribute('tabindex', '0');
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', 'scrollable table');
  });
  document.querySelectorAll('.hub-plot:not([tabindex])').forEach(function (box) {
    box.setAttribute('tabindex', '0');
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', 'plot (scrolls sideways on a narrow screen)');
  });
}).observe(document.documentElement, {childList: true, subtree: true});
"""

HEAD = '<meta name="viewport" content="width=device-width, initial-scale=1">' + f"<script>{_HEAD_JS}</script>"
