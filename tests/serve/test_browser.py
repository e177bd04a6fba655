"""`kiosk serve` in a real browser: headless Chromium (Debian's chromium and chromium-driver,
driven by selenium) opens the lobby board and a desk on 127.0.0.1, the officer signs in and
books the README's demo lawyer, and the number appears on the board.

What each page shows is read from the terminal bytes its websocket receives (Chromium's
DevTools network log, fed to a terminal emulator); screenshots go to the test's folder, and
the board's, before and after the booking, are compared where the number appears.
Without the browser these tests are skipped, with the reason in pytest's summary.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from urllib.parse import parse_qs, urlparse

import pytest
from serve_steps import (
    FIELDS,
    OFFICER,
    OFFICER_PIN,
    PAUSE,
    WANG_JIANGUO,
    Terminal,
    served_centre,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no headless browser here: apt-get install chromium chromium-driver (.ci/run does)")

WINDOW = (1400, 900)


class Browser:
    """One headless Chromium; each page's terminal as its websocket draws it."""

    def __init__(self) -> None:
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        options = Options()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", f"--window-size={WINDOW[0]},{WINDOW[1]}"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.terminals: dict[str, Terminal] = {}   # websocket path -> what it shows
        self._sockets: dict[str, str] = {}         # DevTools request id -> websocket path
        self.external: list[str] = []              # any request to another server

    def quit(self) -> None:
        self.driver.quit()

    def read(self) -> None:
        """Take in what the network log has: new sockets, frames, every request made."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message["method"], message.get("params", {})
            if method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:")):
                    self.external.append(url)
            elif method == "Network.webSocketCreated":
                url = urlparse(params["url"])
                size = parse_qs(url.query)
                self._sockets[params["requestId"]] = url.path
                self.terminals[url.path] = Terminal(int(size["width"][0]),
                                                    int(size["height"][0]))
            elif method == "Network.webSocketFrameReceived":
                frame = params["response"]
                path = self._sockets.get(params["requestId"])
                if path is not None and frame["opcode"] == 2:  # binary: terminal output
                    self.terminals[path].feed(base64.b64decode(frame["payloadData"]))

    def wait_for(self, path: str, *texts: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            self.read()
            terminal = self.terminals.get(path)
            shown = terminal.text() if terminal else ""
            if all(t in shown for t in texts):
                return shown
            assert time.monotonic() < deadline, f"{path} never showed {texts}:\n{shown}"
            time.sleep(0.2)

    def focus_on(self, path: str, label: str, unfocused: frozenset[str],
                 timeout: float = 30) -> None:
        """Wait until the field of this label has the focus (serve_steps.Desk.focus_on)."""
        deadline = time.monotonic() + timeout
        while True:
            self.read()
            if self.terminals[path].look(label) != unfocused:
                return
            assert time.monotonic() < deadline, f"{label} never focused"
            time.sleep(0.1)

    def gone(self, path: str, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.read()
            if text not in self.terminals[path].text():
                return
            assert time.monotonic() < deadline, f"{text} still shown"
            time.sleep(0.1)

    def type(self, *keys: str) -> None:
        """Keys as the officer types them into the page: named keys, or text (inserted as an
        input method would, so Chinese goes in as it does from a Chinese keyboard)."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        named = {"tab": Keys.TAB, "enter": Keys.ENTER, "down": Keys.ARROW_DOWN,
                 "f3": Keys.F3}
        for key in keys:
            if key == "ctrl+s":
                ActionChains(self.driver).key_down(Keys.CONTROL).send_keys("s") \
                    .key_up(Keys.CONTROL).perform()
            elif key in named:
                ActionChains(self.driver).send_keys(named[key]).perform()
            else:
                self.driver.execute_cdp_cmd("Input.insertText", {"text": key})
            time.sleep(PAUSE)
            self.read()


@pytest.fixture
def browser():
    opened = Browser()
    yield opened
    opened.quit()


def changed_area(before, after) -> tuple[int, int, int, int] | None:
    from PIL import ImageChops

    return ImageChops.difference(before.convert("RGB"), after.convert("RGB")).getbbox()


def test_t3_served_desk_books_the_demo_lawyer_and_the_board_shows_the_number(
        tmp_path, browser):
    from PIL import Image

    with served_centre(tmp_path) as served:
        driver = browser.driver
        driver.get(served.url + "/board")
        board_tab = driver.current_window_handle
        empty = browser.wait_for("/board/ws", "Waiting (0)", "No number called yet")
        assert "上海市第一看守所" in empty and "PIN" not in empty  # no sign-in on the board
        time.sleep(1)
        driver.save_screenshot(str(tmp_path / "board-empty.png"))

        driver.switch_to.new_window("tab")
        driver.get(served.url + "/")
        browser.wait_for("/ws", "PIN")
        driver.find_element("css selector", ".xterm-helper-textarea").click()
        browser.type(OFFICER, "enter", OFFICER_PIN, "enter")
        browser.wait_for("/ws", *FIELDS)
        time.sleep(PAUSE)
        terminal = browser.terminals["/ws"]
        unfocused = {label: terminal.look(label) for label in FIELDS[1:]}
        cert, firm, name, detainee, roster, signed_by = WANG_JIANGUO
        browser.type(cert, "tab", "tab")
        for label, text in zip(FIELDS[1:5], (firm, name, detainee, roster), strict=True):
            browser.focus_on("/ws", label, unfocused[label])
            browser.type(text, "tab")
        browser.focus_on("/ws", "律师电话", unfocused["律师电话"])
        browser.type("tab", "tab")  # past the phone (optional) and the basis (委托书)
        browser.focus_on("/ws", "委托人身份", unfocused["委托人身份"])
        browser.type("enter")
        browser.wait_for("/ws", "配偶")  # the list of relations is open
        browser.type("down", "enter")
        browser.gone("/ws", "配偶")
        browser.type("tab")
        browser.focus_on("/ws", "委托人姓名", unfocused["委托人姓名"])
        browser.type(signed_by, "ctrl+s")
        browser.wait_for("/ws", "核验通过", "f3 安排会见")  # passed: F3 books (footer)
        browser.type("f3")
        browser.wait_for("/ws", "当即会见")
        browser.type("enter")
        desk = browser.wait_for("/ws", "排队号 A001")
        assert "会见室1" in desk
        driver.save_screenshot(str(tmp_path / "desk-booked.png"))

        driver.switch_to.window(board_tab)
        board = browser.wait_for("/board/ws", "Waiting (1)", "A001", timeout=30)
        line = next(row for row in board.splitlines() if "A001" in row)
        assert "李*" in line and "会见室1" in line  # S3: the detainee masked, nothing more
        assert "李四" not in board and "王建国" not in board
        time.sleep(1.5)  # the tab draws what it missed while in the background
        driver.save_screenshot(str(tmp_path / "board-A001.png"))
        assert browser.external == []  # nothing was fetched from outside the server

    before = Image.open(tmp_path / "board-empty.png")
    after = Image.open(tmp_path / "board-A001.png")
    assert before.size == after.size
    area = changed_area(before, after)
    assert area is not None, "the board's screenshot did not change when A001 was queued"
    # the waiting list is the right half of the board: that is where the picture changed
    # (the clock in the header may have ticked too, so only the lower part is compared)
    width, height = after.size
    header = height // 8
    body_change = changed_area(before.crop((0, header, width, height)),
                               after.crop((0, header, width, height)))
    assert body_change is not None and body_change[2] > width // 2
    assert len(after.convert("RGB").getcolors(1 << 20)) > 2  # drawn, not a blank page
