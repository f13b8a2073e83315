"""Browser fixtures: one demo site per test session (real `hub serve`, real corpus) and headless Chromium.

Every page records the URL of every request it makes; a test fails if any left 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui import demo

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A data dir with the sample corpus ingested by `hub ingest` and one user per role."""
    data_dir = tmp_path_factory.mktemp("ui-site") / "data"
    keys = demo.prepare(data_dir)
    return data_dir, keys


@pytest.fixture(scope="session")
def site(demo_data: tuple[Path, dict[str, str]]) -> Iterator[demo.DemoSite]:
    """`hub serve` on a free loopback port, with a few questions already asked through the API."""
    data_dir, keys = demo_data
    with demo.running_site(data_dir, keys) as running:
        demo.seed_activity(running)
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian chromium is not installed: run `apt-get install chromium` (.ci/run does this)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True)
        yield b
        b.close()


class Requests(list[str]):
    """URLs a page requested, for the no-external-request check."""

    def external(self, base_url: str) -> list[str]:
        local = re.compile(rf"^({re.escape(base_url)}/|data:|blob:|about:)")
        return [u for u in self if not local.match(u)]


def _page(browser, site: demo.DemoSite, viewport: dict[str, int], **kwargs: object) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, **kwargs)
    context.set_default_timeout(60_000)
    seen = Requests()
    context.on("request", lambda r: seen.append(r.url))
    page = context.new_page()
    page.requests = seen  # type: ignore[attr-defined]
    page.goto(site.base_url + "/")
    yield page
    context.close()
    external = seen.external(site.base_url)
    assert seen, "the page made no requests at all"
    assert not external, f"requests left the machine: {external}"


@pytest.fixture
def page(browser, site: demo.DemoSite) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A desktop-sized page on the demo site (fails afterwards if any request left 127.0.0.1)."""
    yield from _page(browser, site, DESKTOP)


@pytest.fixture
def phone(browser, site: demo.DemoSite) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A 390x844 touch page, like a mid-size phone."""
    yield from _page(browser, site, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
