"""Debian's headless Chromium through its chromedriver, with Selenium: a real browser.

Everything a test does with it runs in a thread (`Browser.run`), so the
test's event loop keeps reading the bot's output meanwhile. Screenshots go
to the test's folder, and to `$RIPOSTE_ARTIFACTS` when set (CI keeps them).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT_SECONDS = 20

T = TypeVar("T")


def require_chromium() -> None:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("Chromium is not installed here (apt-get install chromium chromium-driver)")


class Browser:
    def __init__(self, folder: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.folder = folder
        profile = folder / "chromium-profile"
        profile.mkdir(parents=True, exist_ok=True)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1000",
        ):
            options.add_argument(argument)
        self.driver = webdriver.Chrome(
            options=options, service=Service(executable_path=CHROMEDRIVER)
        )
        self.driver.set_page_load_timeout(WAIT_SECONDS)
        self.shots: list[Path] = []

    async def run(self, step: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(step, *args)

    def screenshot(self, name: str) -> Path:
        path = self.folder / f"{name}.png"
        self.driver.save_screenshot(str(path))
        self.shots.append(path)
        artifacts = os.environ.get("RIPOSTE_ARTIFACTS")
        if artifacts:
            Path(artifacts).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(artifacts) / path.name)
        return path

    def wait_for(self, condition: Callable[[Any], Any], refresh: bool = False) -> Any:
        """Until `condition(driver)` is truthy; with `refresh`, reloading the page between
        looks (a page without JavaScript does not update by itself)."""
        from selenium.common.exceptions import (
            NoSuchElementException,
            StaleElementReferenceException,
        )
        from selenium.webdriver.support.ui import WebDriverWait

        def check(driver: Any) -> Any:
            found = condition(driver)
            if not found and refresh:
                driver.refresh()
            return found

        # A page being replaced (a click, a refresh) leaves elements stale for a moment.
        ignored = (NoSuchElementException, StaleElementReferenceException)
        return WebDriverWait(
            self.driver, WAIT_SECONDS, poll_frequency=0.3, ignored_exceptions=ignored
        ).until(check)

    def quit(self) -> None:
        self.driver.quit()
