"""Browser fixtures: a studio served on 127.0.0.1 and a headless Chromium page driven by Playwright.

Without Playwright or /usr/bin/chromium the browser tests are skipped locally and FAIL on CI
(env CI set), like the shared_datasets fixture.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("PIXELFORGE_CHROMIUM", "/usr/bin/chromium"))


def _unavailable(message: str):
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def studio_url():
    """The studio (shipped models, 1,000,000-pixel upload limit) on a free local port."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from pixelforge.studio import launch

    port = _free_port()
    app = launch(port=port, max_pixels=1_000_000, block=False)
    yield f"http://127.0.0.1:{port}"
    app.close()


@pytest.fixture(scope="session")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox", "--disable-gpu", "--headless"])
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.studio_failed = report.failed


@pytest.fixture
def page(chromium, studio_url, request, tmp_path):
    """A fresh page on the studio; on failure a full-page screenshot is saved (path printed)."""
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(studio_url)
    page.wait_for_selector("#generate-button")
    yield page
    if getattr(request.node, "studio_failed", False):
        folder = Path(os.environ.get("STUDIO_SCREENSHOTS", tmp_path))
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / f"{request.node.name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failed page: {shot}")
    page.close()
