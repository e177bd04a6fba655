"""Issue 16 on the warden's screen: the report's what-if tab runs two scenarios in a worker
(progress bar meanwhile), shows them side by side with today's configuration first and the
lever that helps most, and the HTML export then carries the what-if section."""

from __future__ import annotations

import re
from datetime import date, datetime

from kiosk_steps import SIZE, sign_in
from textual.widgets import DataTable, Input, ProgressBar, Static, TabbedContent

from booking.clock import SHANGHAI, FixedClock
from booking.staff import add_staff
from booking.storage import open_database
from kiosk.app import KioskApp
from kiosk.components.whatif_panel import WhatIfPanel
from kiosk.screens.report import ReportScreen
from simulation import Profile, simulate

WARDEN, WARDEN_PIN = "9001", "135790"


async def test_whatif_tab_runs_two_scenarios_and_the_html_export_has_them(settings, tmp_path):
    """A week of a simulated centre; the warden reads the what-if on the next week."""
    db = open_database(tmp_path / "kiosk.db")
    simulate(db, settings, 5, 7, date(2026, 11, 16), Profile(arrivals=40))
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))
    add_staff(db, clock, "test", WARDEN, "所长", "warden", WARDEN_PIN, 6)
    app = KioskApp(settings, db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        screen = pilot.app.screen
        assert isinstance(screen, ReportScreen)
        screen.query_one(TabbedContent).active = "report-tab-whatif"
        await pilot.pause()
        panel = screen.query_one(WhatIfPanel)
        panel.query_one("#whatif-scenarios", Input).value = "sunday plus-room"
        panel.query_one("#whatif-weeks", Input).value = "1"
        panel.query_one("#whatif-seeds", Input).value = "1"
        await pilot.click("#whatif-run")
        await pilot.pause()
        assert panel.query_one(ProgressBar).display  # shown while the worker runs
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert panel.result is not None
        assert not panel.query_one(ProgressBar).display
        table = panel.query_one("#whatif-table", DataTable)
        headers = [str(c.label) for c in table.columns.values()]
        assert headers[1:] == ["今日配置", "周日开放", "增加一间会见室"]
        first_row = [str(cell) for cell in table.get_row_at(0)]
        assert first_row[0] == "预计48小时达标率"
        assert re.fullmatch(r"\d+\.\d%", first_row[1])
        last_row = [str(cell) for cell in table.get_row_at(table.row_count - 1)]
        assert last_row[1:] == ["✔", "✔", "✔"]
        best = str(panel.query_one("#whatif-best", Static).render())
        assert best and ("最有帮助" in best or "均未高于" in best)
        await pilot.click("#report-html")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        html = next((tmp_path / "reports").glob("*.html")).read_text(encoding="utf-8")
        assert "假设分析" in html and "今日配置" in html and "增加一间会见室" in html


async def test_html_export_has_no_whatif_section_before_one_is_run(demo_db, clock, settings,
                                                                   tmp_path):
    app = KioskApp(settings, demo_db, clock)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, WARDEN, WARDEN_PIN)
        await pilot.click("#report-html")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        html = next((tmp_path / "reports").glob("*.html")).read_text(encoding="utf-8")
        assert "假设分析" not in html
