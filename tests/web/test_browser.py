"""The dashboard in a real headless Chromium, against `riposte run` with its console."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.fakes.bot_process import start_bot
from tests.fakes.browser import Browser, require_chromium
from tests.fakes.config_files import write_config
from tests.fakes.irc_servers import free_port

pytestmark = pytest.mark.timeout(180)


async def test_a_coordinator_logs_in_from_the_console_link_and_follows_the_evening(
    tmp_path: Path,
) -> None:
    require_chromium()
    from selenium.webdriver.common.by import By

    port = free_port()
    config = write_config(
        tmp_path,
        web={"enabled": True, "listen": f"127.0.0.1:{port}"},
        members={"open_join": True},
    )
    session = await start_bot(config)
    browser: Browser | None = None
    try:
        await session.say("#paris alice: /link dept:075")
        await session.say("#lyon alice: /link dept:069")
        await session.expect(r"^-> #lyon: Salon relié")
        await session.say("@alice: /dashboard")
        line = await session.expect(r"^-> @alice: .*/login/")
        link = re.search(r"http://\S+/login/\S+", line)
        assert link is not None
        browser = await _browser(tmp_path)
        driver = browser.driver

        def log_in() -> None:
            driver.get(link.group(0))
            browser.screenshot("1-login")
            driver.find_element(By.ID, "login").click()
            browser.wait_for(lambda d: d.current_url.endswith("/dash/now"))
            browser.screenshot("2-now-empty")

        await browser.run(log_in)
        await session.say(
            "#lyon alice: /alert Le député X dit n'importe quoi https://example.org/live"
        )
        await session.expect(r"^-> #lyon: Alerte A1 relayée")

        def alert_on_now() -> None:
            browser.wait_for(lambda d: "Le député X" in d.page_source, refresh=True)
            row = driver.find_element(By.ID, "alert-A1")
            assert "Le député X" in row.text
            browser.screenshot("3-now-alert")

        await browser.run(alert_on_now)

        def deliveries_plot() -> None:
            driver.find_element(By.LINK_TEXT, "Envois").click()
            chart = browser.wait_for(lambda d: d.find_elements(By.CSS_SELECTOR, "svg.chart"))[0]
            assert int(chart.get_attribute("data-points")) > 0
            assert chart.find_elements(By.CSS_SELECTOR, "polyline")
            assert chart.size["width"] > 200 and chart.size["height"] > 50
            browser.screenshot("4-deliveries")
            driver.find_element(By.LINK_TEXT, "Baromètre").click()
            browser.wait_for(lambda d: d.find_elements(By.CSS_SELECTOR, "#times svg.chart"))
            browser.screenshot("5-barometer")

        await browser.run(deliveries_plot)
        await session.say("#paris paul: /join")
        await session.say(
            "#paris paul: /submit Le vrai chiffre des retraites https://blog.example.org/vrai"
        )
        await session.expect(r"^-> #paris: Contenu C1 enregistré")

        def approve_from_the_queue() -> None:
            driver.find_element(By.LINK_TEXT, "À valider").click()
            button = browser.wait_for(lambda d: d.find_elements(By.ID, "approve-C1"))[0]
            browser.screenshot("6-queue")
            button.click()
            browser.wait_for(lambda d: "C1 approuvé" in d.find_element(By.ID, "done").text)
            browser.screenshot("7-queue-approved")

        await browser.run(approve_from_the_queue)
        await session.expect(r"^-> #paris: Votre contenu C1 est approuvé par alice\.")

        def switch_language() -> None:
            driver.find_element(By.LINK_TEXT, "Baromètre").click()
            browser.wait_for(lambda d: "Baromètre" in d.find_element(By.TAG_NAME, "h1").text)
            driver.find_element(By.ID, "lang-switch").click()
            browser.wait_for(lambda d: "Barometer" in d.find_element(By.TAG_NAME, "h1").text)
            assert driver.find_element(By.LINK_TEXT, "Deliveries")
            browser.screenshot("8-barometer-en")
            driver.set_window_size(390, 844)  # a phone
            driver.find_element(By.LINK_TEXT, "Now").click()
            browser.wait_for(lambda d: "Open alerts" in d.page_source)
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 400, width
            browser.screenshot("9-now-phone-en")

        await browser.run(switch_language)
    finally:
        if browser is not None:
            await browser.run(browser.quit)
        started = time.monotonic()
        code = await session.finish()
        stopped_in = time.monotonic() - started
    assert code == 0
    assert stopped_in < 10, stopped_in
    assert browser is not None and len(browser.shots) == 9


async def _browser(folder: Path) -> Browser:
    import asyncio

    return await asyncio.to_thread(Browser, folder)
