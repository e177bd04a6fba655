"""A desk whose terminal goes away (tmux killed, an ssh session dropped) ends as Ctrl+Q ends
it, instead of spinning on a dead terminal at full CPU: the process exits with 129 within
seconds, says so in kiosk.log, and the audit head is anchored (S2)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pyte
from support import ROOT

OFFICER, PIN = "1001", "246810"  # the demo officer (README)


def test_a_closed_terminal_ends_the_kiosk_and_anchors_the_audit(tmp_path):
    config = ROOT / "config" / "kiosk.toml"
    db = tmp_path / "kiosk.db"
    kiosk = [sys.executable, "-m", "kiosk", "--config", str(config), "--db", str(db)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    env.update(TERM="xterm-256color", COLUMNS="100", LINES="30")
    demo = subprocess.run([*kiosk, "demo"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert demo.returncode == 0, demo.stderr
    anchored = anchor_lines(tmp_path)
    master, slave = pty.openpty()
    # not the terminal's session leader (as under `make run`): no SIGHUP comes
    process = subprocess.Popen(kiosk, cwd=tmp_path, env=env, stdin=slave, stdout=slave,
                               stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        read_until(master, "民警登录")  # the sign-in screen
        time.sleep(2)  # the database is loaded behind it
        for keys in (OFFICER, "\t", PIN, "\r"):
            os.write(master, keys.encode())
            time.sleep(0.3)
        read_until(master, "执业证")  # signed in (an audit entry): the verify screen
        os.close(master)  # the terminal goes
        assert process.wait(timeout=15) == 129
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = (tmp_path / "kiosk.db").parent / "kiosk.log"
    assert "terminal closed" in log.read_text(encoding="utf-8")
    assert len(anchor_lines(tmp_path)) == len(anchored) + 1  # the head after the sign-in


def read_until(master: int, text: str) -> None:
    """Read the kiosk's output as a 100x30 terminal shows it (pyte) until `text` is shown."""
    screen = pyte.Screen(100, 30)
    stream = pyte.ByteStream(screen)
    deadline = time.monotonic() + 60
    while text not in "\n".join(screen.display).replace(" ", ""):
        assert time.monotonic() < deadline, f"never shown: {text}\n" + "\n".join(screen.display)
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            stream.feed(os.read(master, 65536))


def anchor_lines(folder) -> list[str]:
    anchors = [p for p in folder.rglob("*anchor*") if p.is_file()]
    assert len(anchors) == 1, anchors
    return anchors[0].read_text(encoding="utf-8").splitlines()
