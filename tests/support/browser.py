"""Debian's headless Chromium driven by Playwright, for the web page's end-to-end test.

Chromium must be at ``/usr/bin/chromium`` (``LGV_CHROMIUM`` to point elsewhere); the
test fails, never skips, without it. Screenshots go to ``tests/output/screenshots/``
(``LGV_TEST_OUTPUT`` to change the output directory).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect, sync_playwright

from shared.config import REPO_ROOT

CHROMIUM = Path(os.environ.get("LGV_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=da-DK"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# What the page shows may wait on the bus and a refresh (every few seconds) on a busy machine.
WAIT_MS = 20_000
expect.set_options(timeout=WAIT_MS)


def output_dir() -> Path:
    path = Path(os.environ.get("LGV_TEST_OUTPUT", REPO_ROOT / "tests" / "output")) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


class Browser:
    """One Chromium; pages record the dialogs and console errors they meet."""

    def __init__(self) -> None:
        assert CHROMIUM.exists(), (f"{CHROMIUM} is missing: apt-get install chromium chromium-driver "
                                   "(deploy/prepare-test-env.sh does)")
        self._manager = sync_playwright()
        self._playwright = self._manager.start()
        self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.urls: list[str] = []  # every address a page asked for (nothing personal may be in one)
        self.writes: list[tuple[str, str | None]] = []  # (path, Idempotency-Key) of every POST
        self.shots = output_dir()

    def page(self, viewport: dict[str, int] = DESKTOP) -> Page:
        # The machine's own time zone: the page's "today" (its default dates) must be the
        # services' today, or a check-in just after midnight in Copenhagen lies in the future.
        context = self._browser.new_context(viewport=viewport, locale="da-DK", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("dialog", self._dialog)
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("request", self._request)
        return page

    def shot(self, page: Page, name: str) -> Path:
        path = self.shots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def _request(self, request: Any) -> None:
        self.urls.append(request.url)
        if request.method == "POST":
            self.writes.append((request.url, request.headers.get("idempotency-key")))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def close(self) -> None:
        self._browser.close()
        # Under eventlet's monkey-patching (tests/conftest.py) Playwright's stop() never sees
        # its driver process exit and hangs; the browser is closed, so end the driver here.
        client = self._manager._client
        if client is not None and client._transport._proc.returncode is None:  # type: ignore[attr-defined]
            client._transport._proc.kill()  # type: ignore[attr-defined]
