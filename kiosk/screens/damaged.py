"""E4: the database failed its checks at start (PRAGMA quick_check, or the audit's start
check): the officer is told on the screen, in both languages, what is wrong and what the
administrator must do, with the commands. The kiosk never got the database (KioskApp.ready
stays False), so no sign-in is checked and no use case can write; Ctrl+Q closes the kiosk
(exit 3), which prints the same text in the terminal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kiosk.components.footer import KioskFooter
from kiosk.components.header import KioskHeader
from kiosk.components.notice import Notice

TITLE = "数据库已损坏，本终端已停止办理业务 / The database is damaged: this kiosk does no business"
STEPS = ("请勿在本终端办理会见；请通知管理员执行：\n"
         "  1. kiosk doctor          逐项检查\n"
         "  2. kiosk restore 备份文件  从最近一次备份恢复\n"
         "  3. kiosk audit verify    恢复后核对审计记录\n"
         "Do not use this kiosk for meetings; call the administrator to run:\n"
         "  1. kiosk doctor                 check each part\n"
         "  2. kiosk restore BACKUP-FILE    restore the last backup\n"
         "  3. kiosk audit verify           then check the audit log")


class DamagedScreen(Screen):
    """Covers the sign-in screen for good: nothing under it is reachable."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "关闭终端 Close the kiosk", priority=True)]

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(id="damaged")
        self.zh, self.en = zh, en

    def compose(self) -> ComposeResult:
        yield KioskHeader("damaged.title")
        with Center(), VerticalScroll(id="damaged-box"):
            yield Static(TITLE, id="damaged-title", markup=False)
            yield Notice(id="damaged-what")
            yield Static(STEPS, id="damaged-steps", markup=False)
        yield KioskFooter()

    def on_mount(self) -> None:
        self.query_one("#damaged-what", Notice).show(self.zh, self.en)
