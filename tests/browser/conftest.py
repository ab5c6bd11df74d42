"""A real browser (the system's Chromium, driven by Playwright) against a real server.

Browser tests skip with a reason when no Chromium is installed, except under CI
(``CI=true``), where ``.ci/run`` installs it and a missing browser is a failure.
Set ``HYBRIDMEM_SCREENSHOTS=docs/img`` to refresh the screenshots in the docs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import RunningServer, start_server, stop_server

# Without the networking switches Chromium keeps trying to reach Google and stalls.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed; .ci/run installs it (apt-get install chromium)")
        pytest.skip("no Chromium on PATH (apt-get install chromium): browser tests skipped")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium; Playwright downloads nothing (executable_path).

    Module scope, not session: Playwright's sync API keeps its own event loop running in
    this thread while it is open, and pytest-asyncio cannot run the async tests of later
    modules until it is closed.
    """
    path = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    """``hybridmem serve`` with embedded defaults (the embedded model answers chat)."""
    _chromium()  # no server start when the browser tests skip
    data_dir = tempfile.mkdtemp(prefix="hybridmem-browser-data-")
    running = start_server(
        {"HYBRIDMEM_DATA_DIR": data_dir, "HYBRIDMEM_LLM_MAX_OUTPUT_TOKENS": "64"}
    )
    yield running
    stop_server(running)


# ReDoc always shows a "powered by" logo from its CDN (and hides it when that fails);
# it is the one request to another host that any page here makes.
TOLERATED_EXTERNAL = ("https://cdn.redoc.ly/redoc/logo-mini.svg",)


@dataclass
class Problems:
    """What the page complained about (script errors, refused resources, CSP violations)
    and every request it made to another host."""

    origin: str
    messages: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        """Collect from now on."""
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type != "error" and "Content Security Policy" not in message.text:
            return
        source = (message.location or {}).get("url", "")
        if source in TOLERATED_EXTERNAL:
            return
        # 401s that a test provokes on purpose are logged by Chromium as failed loads.
        if "status of 401" in message.text:
            return
        self.messages.append(f"console {message.type}: {message.text} ({source})")

    def _request(self, request: Any) -> None:
        url = request.url
        if url.startswith((self.origin, "blob:", "data:")) or url in TOLERATED_EXTERNAL:
            return
        self.external.append(url)


@pytest.fixture
def page(browser: Any, server: RunningServer) -> Iterator[Any]:
    """A fresh browser tab (own storage) at desktop size. The test fails if the page had
    errors or asked another host for anything (it must work offline)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    tab = context.new_page()
    problems = Problems(origin=server.base_url)
    problems.watch(tab)
    yield tab
    context.close()
    assert not problems.messages, "\n".join(problems.messages)
    assert not problems.external, problems.external


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: docs/img when asked, else a temporary directory."""
    wanted = os.environ.get("HYBRIDMEM_SCREENSHOTS")
    target = Path(wanted) if wanted else tmp_path / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target
