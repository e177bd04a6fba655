"""S1: a warden unlocks a staff account locked by wrong PINs, on the kiosk's screens (the
report screen's F10), as `kiosk staff unlock` does on the command line: the same use case
(booking.staff.unlock), audited with the warden who did it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kiosk.components.bilingual import labelled
from kiosk.i18n import label
from kiosk.screens.dialogs import Dialog


class StaffDialog(Dialog[str]):
    """The locked accounts; Enter on one, or Ctrl+S, unlocks it (dismisses with its staff
    number). Esc closes without a change."""

    TITLE_KEY = "staff.title"

    def body(self) -> ComposeResult:
        locked = [m for m in self.app.desk.staff() if m.locked]
        yield labelled(Static(classes="dialog-details", id="staff-explain"),
                       "staff.explain" if locked else "staff.none_locked")
        yield OptionList(*(Option(f"{m.staff_no}  {m.name}  ({label('staff.' + m.role, 'zh')}"
                                  f" {label('staff.' + m.role, 'en')})", id=m.staff_no)
                           for m in locked), id="locked-staff", markup=False, compact=True)

    def on_mount(self) -> None:
        self.query_one("#locked-staff", OptionList).focus()

    @on(OptionList.OptionSelected, "#locked-staff")
    def _picked(self) -> None:
        self.confirm()

    def confirm(self) -> None:
        accounts = self.query_one("#locked-staff", OptionList)
        if accounts.highlighted is None:
            key = "staff.choose" if accounts.option_count else "staff.none_locked"
            self.notice.show(label(key, "zh"), label(key, "en"))
            return
        staff_no = accounts.get_option_at_index(accounts.highlighted).id
        with self.notice.refusals():
            self.app.desk.unlock(staff_no)
            self.dismiss(staff_no)
