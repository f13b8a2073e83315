"""Driving the UI in a real browser (Playwright pages): used by the browser tests and the screenshots.

Gradio puts ``elem_id`` on a component's wrapper, so fields are found as ``#id input`` or
``#id textarea``. Playwright is a development dependency; nothing here imports it at module level.
"""

from __future__ import annotations

import re
from typing import Any

from ui.demo import DemoSite

Page = Any  # playwright.sync_api.Page


def field(page: Page, elem_id: str) -> Any:
    """The text input inside the component with ``elem_id``."""
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def fill(page: Page, elem_id: str, text: str) -> None:
    field(page, elem_id).fill(text)


def pick(page: Page, elem_id: str, option: str | re.Pattern[str]) -> None:
    """Choose an option of a Gradio dropdown by its visible label (substring or regex)."""
    page.locator(f"#{elem_id} input[role=combobox]").click()
    name = option if isinstance(option, re.Pattern) else re.compile(re.escape(option))
    page.get_by_role("option", name=name).first.click()


def sign_in(page: Page, site: DemoSite, role: str, *, with_password: bool = False) -> None:
    """Sign in as the demo user of ``role`` (API key by default) and wait for the workspace."""
    if with_password:
        page.get_by_role("tab", name="Username and password").click()
        fill(page, "signin-user", site.name(role))
        fill(page, "signin-password", site.password(role))
        page.click("#signin-password-btn")
    else:
        fill(page, "signin-key", site.keys[role])
        page.click("#signin-key-btn")
    page.wait_for_selector("#signed-in-as")


def open_tab(page: Page, label: str) -> None:
    page.get_by_role("tab", name=label, exact=True).click()


def ask(page: Page, question: str) -> None:
    """Ask on the Ask tab and wait for the answer or the refusal."""
    fill(page, "ask-question", question)
    page.click("#ask-submit")
    # The answer block carries its question, so an earlier answer on the page is not mistaken for this one.
    page.wait_for_function(
        "q => [...document.querySelectorAll('#ask-answer [data-question]')].some(e => e.dataset.question === q)",
        arg=" ".join(question.split()),
    )


# Elements whose right edge passes the viewport, for a readable failure message. Content inside a
# .hub-scroll box is allowed to be wider: that box scrolls on its own and the page does not.
_WIDE = """w => [...document.querySelectorAll('body *')]
  .filter(e => !e.parentElement.closest('.hub-scroll'))
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > w + 1; })
  .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + String(e.className).slice(0, 40))"""


def horizontal_overflow(page: Page) -> list[str]:
    """Why the page is wider than the viewport (empty when it fits: no horizontal scrolling).

    Compared with the viewport's configured width, not ``window.innerWidth``: a mobile browser
    zooms out to fit wide content, which would make innerWidth grow with the problem.
    """
    width = page.viewport_size["width"]
    scroll = int(page.evaluate("document.documentElement.scrollWidth"))
    wide = page.evaluate(_WIDE, width)
    return ([f"scrollWidth {scroll} > {width}"] if scroll > width else []) + wide
