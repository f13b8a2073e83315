"""Screenshots of every tab, desktop (1280x800) and phone (390x844): ``python -m ui.screenshots OUTDIR``.

Builds a fresh demo site (sample corpus, one user per role, a real ``hub serve`` on loopback),
then drives headless Debian Chromium through each role's main task and saves ``TAB-VIEW.png``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ui import browser as b
from ui import demo

log = logging.getLogger(__name__)

VIEWS: dict[str, Any] = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
QUESTION = "How long did injection site reactions typically last in the placebo-controlled part of LUMEN-1?"


def _signin(page: Any, site: demo.DemoSite) -> None:
    page.wait_for_selector("#signin-key")


def _ask(page: Any, site: demo.DemoSite) -> None:
    b.sign_in(page, site, "msl")
    b.ask(page, QUESTION)
    page.locator("#ask-answer a.cite-ref").first.click()
    page.wait_for_function("() => document.querySelector('#cite-1').open")


def _ask_safety(page: Any, site: demo.DemoSite) -> None:
    b.sign_in(page, site, "msl")
    b.ask(page, "My patient developed elevated ALT and a rash after the second dose of Lumerza. What is known?")


def _ask_refusal(page: Any, site: demo.DemoSite) -> None:
    b.sign_in(page, site, "msl")
    b.ask(page, "Is Lumerza approved for hidradenitis suppurativa?")
    nearest = page.locator("#ask-nearest details")
    if nearest.count():
        nearest.first.click()


def _learn_error(page: Any, site: demo.DemoSite) -> None:
    b.sign_in(page, site, "msl")
    b.open_tab(page, "Learn")
    page.wait_for_selector("#learn-progress .hub-html")
    page.click("#learn-start")
    page.wait_for_selector("#learn-item .hub-item")
    page.click("#learn-check")
    page.wait_for_selector("#learn-feedback .hub-bad")


def _quiz_review(page: Any, site: demo.DemoSite) -> None:
    b.sign_in(page, site, "content_owner")
    page.get_by_text("Quiz items to review").click()
    page.wait_for_selector("#items-detail .hub-item-review")
    page.locator("#items-section").scroll_into_view_if_needed()


def _learn(page: Any, site: demo.DemoSite) -> None:
    b.sign_in(page, site, "msl")
    b.open_tab(page, "Learn")
    page.wait_for_timeout(500)
    start = page.locator("#learn-start")
    if start.count():
        start.click()
        page.wait_for_selector("#learn-item .hub-item", timeout=30_000)


def _library(page: Any, site: demo.DemoSite) -> None:
    b.sign_in(page, site, "content_owner")
    page.set_input_files("#lib-files input[type=file]", [str(demo.CORPUS / "lumerza-storage-handling.md")])
    page.click("#lib-upload")
    page.wait_for_selector("#lib-results table")


def _compliance(page: Any, site: demo.DemoSite) -> None:
    b.sign_in(page, site, "compliance")
    page.locator("#aud-refused input").check()
    page.click("#aud-search")
    page.wait_for_selector("#aud-table table")
    b.pick(page, "aud-record", "hidradenitis")
    page.wait_for_selector("#aud-detail details pre", state="attached")
    page.click("#aud-verify")
    page.wait_for_selector("#verify-result")


def _analytics(page: Any, site: demo.DemoSite) -> None:
    b.sign_in(page, site, "manager")
    page.wait_for_timeout(1500)


def _users(page: Any, site: demo.DemoSite) -> None:
    b.sign_in(page, site, "admin")
    b.open_tab(page, "Users")
    page.wait_for_selector("#users-table table")


SCENES: dict[str, Callable[[Any, demo.DemoSite], None]] = {
    "signin": _signin,
    "ask": _ask,
    "ask-safety": _ask_safety,
    "ask-refusal": _ask_refusal,
    "learn": _learn,
    "learn-error": _learn_error,
    "library": _library,
    "quiz-review": _quiz_review,
    "compliance": _compliance,
    "analytics": _analytics,
    "users": _users,
}


def capture(site: demo.DemoSite, out_dir: Path, only: list[str] | None = None) -> list[Path]:
    """Run every scene (or those in ``only``) at every viewport and save the screenshots; returns the files."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian chromium is not installed (apt-get install chromium)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        for view, size in VIEWS.items():
            phone = view == "phone"
            for name, scene in SCENES.items():
                if only and name not in only:
                    continue
                context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone, device_scale_factor=1)
                context.set_default_timeout(60_000)
                page = context.new_page()
                page.goto(site.base_url + "/")
                scene(page, site)
                page.wait_for_timeout(400)  # let transitions settle
                target = out_dir / f"{name}-{view}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
                log.info("wrote %s", target)
                context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="where to write the PNG files (e.g. docs/screenshots)")
    parser.add_argument("--only", nargs="*", choices=list(SCENES), help="re-make only these scenes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="hub-screens-") as tmp:
        data_dir = Path(tmp) / "data"
        keys = demo.prepare(data_dir)
        with demo.running_site(data_dir, keys) as site:
            demo.seed_activity(site)
            files = capture(site, args.out_dir, args.only)
    sys.stdout.write("\n".join(str(f) for f in files) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
