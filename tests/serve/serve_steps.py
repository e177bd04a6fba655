"""Steps of the `kiosk serve` tests: a served centre on 127.0.0.1 (its own folder, demo data,
a config open round the clock and a clock that reads mid-morning, so "now" is always
bookable), desks spoken to over the server's websocket as a browser does, and the screen read
as a terminal shows it (pyte)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiohttp
import pyte
from support import ROOT

OFFICER, OFFICER_PIN = "1001", "246810"
PAUSE = 0.3  # seconds after each field or key (see Desk.type, Desk.focus_on)
# The README's demo lawyer, and a second lawyer of the demo data with his own client.
WANG_JIANGUO = ("13101200910123456", "3131010142QXJNP17A", "王建国", "李四", "2026001", "李四")
LIU_YANG = ("13101201210456781", "3131010142QXJNP17A", "刘洋", "杨帆", "2026005", "杨帆")

# The verify screen's fields, by the label on their row, in the order Tab visits them.
# (the optional phone is left empty; Tab from it goes to the basis, then the relation)
FIELDS = ("执业证号", "律所统一社会信用代码", "证明所载律师姓名", "证明所载在押人员姓名", "在押人员编号",
          "律师电话", "委托人身份", "委托人姓名")

# What a terminal (xterm.js in the browser) sends for these keys.
KEYS = {"enter": "\r", "tab": "\t", "down": "\x1b[B", "escape": "\x1b", "f3": "\x1bOR",
        "ctrl+s": "\x13"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def round_the_clock(config: str) -> str:
    """The repository's config with every day open 00:00-23:59 (holidays too): the served
    kiosks run on the real clock, and a meeting must be possible at once whenever the test
    runs."""
    config = re.sub(r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday) = .*$",
                    r'\1 = ["00:00-23:59"]', config, flags=re.M)
    config = re.sub(r"^sunday_open = .*$", "sunday_open = true", config, flags=re.M)
    return re.sub(r"^holidays_closed = .*$", "holidays_closed = false", config, flags=re.M)


# Imported by every Python process the test starts (PYTHONPATH): the kiosk's one clock reads
# the real time shifted by KIOSK_TEST_SHIFT seconds, the same shift in the server, its desks
# and the demo loader. The kiosk itself has no such switch: a clock an officer could set
# from the environment would let the record be backdated.
SHIFTED_CLOCK = """\
import os
from datetime import datetime, timedelta

import booking.clock

_shift = timedelta(seconds=float(os.environ["KIOSK_TEST_SHIFT"]))


def _now(self):
    return datetime.now(self.zone) + _shift


booking.clock.SystemClock.now = _now
"""


def mid_morning_shift(now: datetime | None = None) -> float:
    """Seconds from now to 10:00 of today in Shanghai (the served desks then book "now"
    whatever hour the suite runs: a meeting at once must end before the session's 23:59)."""
    from booking.clock import SHANGHAI

    now = now or datetime.now(SHANGHAI)
    return (now.replace(hour=10, minute=0, second=0, microsecond=0) - now).total_seconds()


def shifted_environment(folder: Path) -> dict[str, str]:
    """This process's environment without Textual's test settings, with the shifted clock."""
    shim = folder / "clock-shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(SHIFTED_CLOCK)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shim), env.get("PYTHONPATH")]))
    env["KIOSK_TEST_SHIFT"] = str(mid_morning_shift())
    return env


@dataclass
class Served:
    folder: Path
    config: Path
    db: Path
    url: str
    process: subprocess.Popen
    env: dict[str, str]
    """The environment of every kiosk process of the test: the shifted clock."""

    def kiosk(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(self.config),
                               "--db", str(self.db), *args], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=60, check=False)

    def database(self):
        """The centre's database opened as its kiosks open it: with the audit key of the
        config's qr.key_folder (relative to the folder the kiosks run in)."""
        from booking.settings import load_settings
        from booking.storage import open_database

        keys = Path(load_settings(self.config).qr.key_folder)
        return open_database(self.db, key_folder=keys if keys.is_absolute()
                             else self.folder / keys)

    def desk_processes(self) -> list[int]:
        """The kiosk processes the server started for desks and boards (not the server)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if str(self.db).encode() in argv and b"serve" not in argv and b"-m" in argv:
                found.append(int(entry.name))
        return found


@contextmanager
def served_centre(folder: Path) -> Iterator[Served]:
    """`kiosk serve` on 127.0.0.1 and a free port, on a demo database in folder."""
    config = folder / "kiosk.toml"
    config.write_text(round_the_clock((ROOT / "config" / "kiosk.toml").read_text()))
    db = folder / "kiosk.db"
    port = free_port()
    env = shifted_environment(folder)
    demo = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "--db",
                           str(db), "demo"], cwd=folder, capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert demo.returncode == 0, demo.stderr
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(config), "--db",
                                str(db), "serve", "--port", str(port)], cwd=folder, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    served = Served(folder, config, db, f"http://127.0.0.1:{port}", process, env)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (folder / "serve.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "kiosk serve did not start"
                time.sleep(0.2)
        yield served
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        # Stopping the server ends the kiosks of connections still open (kiosk/serve.py).
        deadline = time.monotonic() + 15
        while (left := served.desk_processes()) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"kiosk processes left after the server stopped: {left}"


class Terminal:
    """What a terminal shows, fed with the bytes the server sends (Textual's web driver
    writes terminal output; the JSON text frames are its meta messages)."""

    def __init__(self, width: int, height: int) -> None:
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)

    def feed(self, data: bytes) -> None:
        self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def look(self, label: str) -> frozenset[str]:
        """The background colours on the row of a field's label: a focused field is drawn
        in another colour (and with the cursor)."""
        for y, line in enumerate(self.screen.display):
            if label in line:
                return frozenset(self.screen.buffer[y][x].bg for x in range(self.screen.columns))
        return frozenset()


class Desk:
    """One browser's connection to a served page, over the websocket as textual.js speaks."""

    def __init__(self, session: aiohttp.ClientSession, url: str, width: int = 120,
                 height: int = 40) -> None:
        self.session = session
        self.url = url.replace("http://", "ws://")
        self.width, self.height = width, height
        self.terminal = Terminal(width, height)
        self.socket: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None

    async def open(self) -> Desk:
        self.socket = await self.session.ws_connect(
            f"{self.url}?width={self.width}&height={self.height}")
        await self.socket.send_str(json.dumps(["resize", {"width": self.width,
                                                          "height": self.height}]))
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for message in self.socket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.terminal.feed(message.data)

    async def close(self) -> None:
        await self.socket.close()
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 10)

    async def wait_for(self, *texts: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.terminal.text()
            if all(t in shown for t in texts):
                return shown
            assert time.monotonic() < deadline, f"never shown: {texts}\n{shown}"
            await asyncio.sleep(0.1)

    async def gone(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text in self.terminal.text():
            assert time.monotonic() < deadline, f"{text} still shown:\n{self.terminal.text()}"
            await asyncio.sleep(0.1)

    async def type(self, *keys: str) -> None:
        """Each item a key name of KEYS, or text typed character by character. After a named
        key the test waits a moment, as a person does: the screen answers a field's value or
        an Enter by showing, hiding or focusing fields, and keys that arrive before it has
        still go where the focus was."""
        for key in keys:
            for data in ([KEYS[key]] if key in KEYS else list(key)):
                await self.socket.send_str(json.dumps(["stdin", data]))
                await asyncio.sleep(0.02)
            await asyncio.sleep(PAUSE)

    async def sign_in(self) -> None:
        await self.wait_for("PIN")
        await self.type(OFFICER, "enter", OFFICER_PIN, "enter")
        await self.wait_for(*FIELDS)
        await asyncio.sleep(PAUSE)
        # how each field's row looks unfocused (the certificate's has the focus now)
        self.unfocused = {label: self.terminal.look(label) for label in FIELDS[1:]}

    async def focus_on(self, label: str, timeout: float = 30) -> None:
        """Wait until the field of this label has the focus: keys typed before then would
        still go to the field the focus is leaving (Textual hands each key to the widget
        focused when the key arrives)."""
        deadline = time.monotonic() + timeout
        while self.terminal.look(label) == self.unfocused[label]:
            assert time.monotonic() < deadline, f"{label} never focused:\n{self.terminal.text()}"
            await asyncio.sleep(0.1)

    async def verify(self, lawyer: tuple[str, ...]) -> None:
        """The three documents typed by keyboard alone, then Ctrl+S: the request is open."""
        cert, firm, name, detainee, roster, signed_by = lawyer
        await self.type(cert, "tab", "tab")
        for label, text in zip(FIELDS[1:5], (firm, name, detainee, roster), strict=True):
            await self.focus_on(label)
            await self.type(text, "tab")
        await self.focus_on("律师电话")
        await self.type("tab", "tab")  # past the phone (optional) and the basis (委托书)
        await self.focus_on("委托人身份")
        await self.type("enter")
        await self.wait_for("配偶")  # the list of relations is open
        await self.type("down", "enter")
        await self.gone("配偶")  # and closed on 本人
        await self.type("tab")
        await self.focus_on("委托人姓名")
        await self.type(signed_by, "ctrl+s")
        await self.wait_for("F3")

    async def offers(self) -> None:
        """F3: the offers of the verified request; the first is a meeting now (C2)."""
        await self.type("f3")
        await self.wait_for("当即会见")

    async def book_now(self, lawyer: tuple[str, ...]) -> None:
        """The demo flow: verify, F3, Enter on the first offer: the lawyer is queued at once."""
        await self.verify(lawyer)
        await self.offers()
        await self.type("enter")
