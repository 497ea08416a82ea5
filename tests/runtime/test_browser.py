"""The operator page in a real headless browser (Debian chromium + chromium-driver):
load it, connect, start a backtest, watch events arrive, press the kill switch, open a
parity report with its divergence side by side. Screenshots are kept under
artifacts/runtime/ (git-ignored)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from runtime_support import ARTIFACTS, wait_until

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def browser(monkeypatch):
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(exe):
            pytest.fail(f"{exe} is missing: apt-get install chromium chromium-driver (.ci/run installs them)")
    # Selenium must use the Debian driver, never fetch one (Selenium Manager stays offline).
    monkeypatch.setenv("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1500,1300", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions",
                # Anything not on loopback goes to a closed port: the test cannot reach out.
                "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1;localhost;[::1]"):
        options.add_argument(arg)
    service = Service(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_the_operator_page_end_to_end(browser, daemon_factory, parity_json_out):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    daemon = daemon_factory()
    with daemon.client() as client:
        report = client.post_report(parity_json_out.read_bytes())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    find = browser.find_element

    def present(selector: str):
        def check():
            try:
                return browser.find_elements(By.CSS_SELECTOR, selector)
            except StaleElementReferenceException:
                return []
        return check

    try:
        browser.get(daemon.url + "/ui/")
        assert "cracktrader" in browser.title
        find(By.ID, "token").send_keys(daemon.token)
        find(By.ID, "connect").click()
        wait_until(lambda: find(By.ID, "connection").text == "connected", 20, what="connected")

        # Start a paced backtest from the form.
        for field, value in (("start-strategy", "examples:Churn"), ("start-bars", "4000"), ("start-pace", "25"),
                             ("start-seed", "7"), ("start-params", '{"every": 2}')):
            element = find(By.ID, field)
            element.clear()
            element.send_keys(value)
        Select(find(By.ID, "start-mode")).select_by_visible_text("backtest")
        find(By.ID, "start-button").click()
        wait_until(lambda: find(By.ID, "selected-runtime").text.startswith("rt-"), 20, what="a runtime selected")
        rid = find(By.ID, "selected-runtime").text

        # Events arrive in the live tail; tables and the chart fill.
        wait_until(lambda: len(present("#event-tail li")()) >= 40, 30, what="40 events in the tail")
        wait_until(present("#event-tail li[data-family='fill']"), 30, what="a fill in the tail")
        wait_until(present("#orders tr"), 20, what="orders")
        wait_until(present("#positions tr"), 20, what="positions")
        wait_until(present("#equity-line"), 20, what="the equity curve")
        wait_until(present(f"#runtimes tr[data-runtime-id='{rid}'][data-status='running']"), 20)
        browser.save_screenshot(str(ARTIFACTS / "operator_page_running.png"))

        # The kill switch, with its confirmation.
        find(By.ID, "btn-kill").click()
        alert = wait_until(lambda: _alert(browser), 10, what="the confirmation")
        alert.accept()
        wait_until(lambda: find(By.ID, "control-result").get_attribute("data-status") == "accepted", 15)
        wait_until(present("#event-tail li[data-name='kill_switch_engaged']"), 20, what="kill_switch_engaged")
        wait_until(lambda: find(By.ID, "selected-status").get_attribute("data-kill-switch") == "on", 20)
        wait_until(present("#event-tail li[data-family='risk'][data-name='order_refused']"), 20)
        with daemon.client() as client:
            record = client.runtime(rid)
            assert record["kill_switch"] is True
            commands = client.request("GET", f"/runtimes/{rid}/control")["commands"]
            assert [(c["command"], c["reason"], c["status"]) for c in commands] == [
                ("kill_switch", "operator page", "accepted")]
            # Every line in the tail is an event of the log, none twice.
            shown = browser.execute_script(  # read in one go: the tail keeps changing
                "return [...document.querySelectorAll('#event-tail li')].map(li => +li.dataset.sequence)")
            assert len(shown) == len(set(shown)) and shown == sorted(shown, reverse=True)
        browser.save_screenshot(str(ARTIFACTS / "operator_page.png"))

        # The parity report, with the divergence side by side.
        wait_until(present(f"#reports tr[data-report-id='{report['report_id']}']"), 20, what="the report row")
        find(By.CSS_SELECTOR, f"#reports tr[data-report-id='{report['report_id']}']").click()
        wait_until(present("#report-view .divergence .side-a .json-line"), 15, what="the divergence view")
        summary = json.loads(parity_json_out.read_text())
        divergence = summary["divergences"][0]
        side_a = find(By.CSS_SELECTOR, "#report-view .side-a")
        side_b = find(By.CSS_SELECTOR, "#report-view .side-b")
        assert side_a.get_attribute("data-backend") == divergence["backends"][0]
        assert side_b.get_attribute("data-backend") == divergence["backends"][1]
        for side in ("side-a", "side-b"):
            pointers = {d.get_attribute("data-pointer")
                        for d in browser.find_elements(By.CSS_SELECTOR, f"#report-view .{side} .json-line.differs")}
            assert pointers, f"{side}: the differing paths are highlighted"
            for path in divergence["paths"]:  # each path, or the ancestor it is missing from
                assert any(path == p or path.startswith(p + "/") or p.startswith(path + "/") for p in pointers)
        assert divergence["signature"] in find(By.ID, "report-view").text
        browser.execute_script("document.getElementById('reports-panel').scrollIntoView()")
        browser.save_screenshot(str(ARTIFACTS / "operator_page_report.png"))

        find(By.ID, "btn-stop").click()
        wait_until(lambda: "stopped" in find(By.ID, "stream-state").text, 30, what="the stream to end")
    except Exception:
        browser.save_screenshot(str(ARTIFACTS / "operator_page_failure.png"))
        shutil.copy(daemon.log_path, ARTIFACTS / "daemon_failure.log")
        raise
    assert Path(ARTIFACTS / "operator_page.png").stat().st_size > 10_000


def _alert(browser):
    from selenium.common.exceptions import NoAlertPresentException

    try:
        return browser.switch_to.alert
    except NoAlertPresentException:
        return None
