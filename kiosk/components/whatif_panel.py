"""The report screen's what-if tab: the warden names scenarios, weeks and seeds, runs them in
a worker (a progress bar meanwhile), and reads the table side by side, today's configuration
first, with the lever that helps most (whatif/)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, ProgressBar, Static

from kiosk.components.bilingual import labelled, translate
from kiosk.components.notice import Notice
from kiosk.i18n import Language, label

DEFAULT_SCENARIOS = "sunday plus-room"
DEFAULT_WEEKS = 4
DEFAULT_SEEDS = 3


def database_path(db) -> Path | None:
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    return None


class WhatIfPanel(Vertical):
    """Scenarios in, the what-if table out; `result` keeps the last run for the HTML export."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.result = None  # whatif.engine.WhatIf of the last run

    def compose(self) -> ComposeResult:
        with Horizontal(id="whatif-inputs"):
            yield labelled(Static(classes="whatif-caption"), "whatif.scenarios")
            yield Input(DEFAULT_SCENARIOS, id="whatif-scenarios", compact=True)
            yield labelled(Static(classes="whatif-caption"), "whatif.weeks")
            yield Input(str(DEFAULT_WEEKS), id="whatif-weeks", restrict=r"[0-9]*",
                        max_length=2, compact=True, classes="whatif-number")
            yield labelled(Static(classes="whatif-caption"), "whatif.seeds")
            yield Input(str(DEFAULT_SEEDS), id="whatif-seeds", restrict=r"[0-9]*",
                        max_length=2, compact=True, classes="whatif-number")
            yield labelled(Button(variant="primary", id="whatif-run", compact=True),
                           "whatif.run")
        yield ProgressBar(id="whatif-progress", show_eta=False)
        yield Notice(id="whatif-message")
        yield Static(id="whatif-best", markup=False)
        yield DataTable(id="whatif-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        self.watch(self.app, "language", self._set_language)

    def _set_language(self, language: Language) -> None:
        translate(self, language)
        self._show_result()

    def _numbers(self) -> tuple[int, int] | None:
        try:
            weeks = int(self.query_one("#whatif-weeks", Input).value)
            seeds = int(self.query_one("#whatif-seeds", Input).value)
        except ValueError:
            weeks = seeds = 0
        if not (1 <= weeks <= 26 and 1 <= seeds <= 20):
            self.query_one(Notice).show("周数应为1–26，种子数应为1–20",
                                        "weeks must be 1–26 and seeds 1–20")
            return None
        return weeks, seeds

    @on(Input.Submitted)
    @on(Button.Pressed, "#whatif-run")
    def start(self) -> None:
        numbers = self._numbers()
        if numbers is None:
            return
        path = database_path(self.app.db)
        if path is None:
            self.query_one(Notice).show("内存数据库不能做假设分析",
                                        "an in-memory database has no file to copy")
            return
        specs = self.query_one("#whatif-scenarios", Input).value.replace(",", " ").split()
        self.query_one(Notice).show("正在运行假设分析…（实时数据库不会被修改）",
                                    "running the what-if… (the live database is not changed)",
                                    "info")
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#whatif-run", Button).disabled = True
        self._run(path, specs, *numbers)

    @work(thread=True, exclusive=True, group="whatif")
    def _run(self, path: Path, specs: list[str], weeks: int, seeds: int) -> None:
        from whatif.demand import DemandError
        from whatif.engine import WhatIfError, run_whatif, seeds_for
        from whatif.plan import plan
        from whatif.scenarios import ScenarioError

        app = self.app
        settings = app.settings
        first = app.clock.now().astimezone(settings.zone).date() + timedelta(days=1)
        bar = self.query_one(ProgressBar)

        def progress(done: int, total: int) -> None:
            app.call_from_thread(bar.update, total=total, progress=done)

        try:
            scenarios, demand = plan(settings, path, specs, first, 8, backtest=False)
            result = run_whatif(path, scenarios, demand, first, 7 * weeks, seeds_for(seeds),
                                progress=progress, start_method="fork")
        except (ScenarioError, DemandError, WhatIfError) as exc:
            zh, _, en = str(exc).partition("\n")
            app.call_from_thread(self._failed, zh, en or zh)
            return
        app.call_from_thread(self._done, result)

    def _failed(self, zh: str, en: str) -> None:
        self.query_one(ProgressBar).display = False
        self.query_one("#whatif-run", Button).disabled = False
        self.query_one(Notice).show(zh, en)

    def _done(self, result) -> None:
        self.result = result
        self.query_one(ProgressBar).display = False
        self.query_one("#whatif-run", Button).disabled = False
        self.query_one(Notice).clear()
        self._show_result()

    def _show_result(self) -> None:
        if self.result is None:
            return
        from whatif.view import best_line, table

        language: Language = self.app.language
        zh_best, en_best = best_line(self.result)
        self.query_one("#whatif-best", Static).update(zh_best if language == "zh" else en_best)
        shown = table(self.result)
        grid = self.query_one("#whatif-table", DataTable)
        grid.clear(columns=True)
        grid.add_column(label("report.figure", language), key="figure")
        for n, (zh, en) in enumerate(shown.headers[1:]):
            grid.add_column(zh if language == "zh" else en, key=f"s{n}")
        for n, ((zh, en), values) in enumerate(shown.rows):
            bold = "bold" if n == 0 else ""
            grid.add_row(Text(zh if language == "zh" else en, style=bold),
                         *(Text(v, style=bold, justify="right") for v in values), key=str(n))
