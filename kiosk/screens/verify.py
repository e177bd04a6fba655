"""V1-V10 at the desk: the officer types what the lawyer presents; the kiosk checks it. The
basis is a power of attorney, a legal-aid letter or a duty lawyer's legal-help notice (V10);
a letter or notice not yet imported may be entered by hand (V7); the lawyer's phone is taken
for P2. A refusal shows, and prints, where the lawyer may complain (C6)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Select, Static

from booking.complaints import complaint_line
from booking.models import POA_RELATIONS, Basis, Presentation
from booking.verification import MAX_DEFENDERS
from kiosk.components.bilingual import labelled, translate
from kiosk.components.footer import KioskFooter
from kiosk.components.header import KioskHeader
from kiosk.components.notice import Notice
from kiosk.components.result import ResultPanel
from kiosk.components.toggles import Choice, Tick
from kiosk.i18n import Language, label

# Text fields of the form: widget id, label key, characters allowed, longest value.
TEXT_FIELDS = {
    "cert-no": ("verify.cert_no", r"[0-9]*", 17),
    "firm-code": ("verify.firm_code", r"[0-9A-Za-z]*", 18),
    "letter-lawyer": ("verify.letter_lawyer", None, 40),
    "letter-detainee": ("verify.letter_detainee", None, 40),
    "roster-no": ("verify.roster_no", r"[0-9A-Za-z-]*", 20),
    "poa-signed-by": ("verify.poa_signed_by", None, 40),
    "aid-letter-no": ("verify.aid_letter_no", None, 40),
    "duty-notice-no": ("verify.duty_notice_no", None, 40),
    "document-issuer": ("verify.document_issuer", None, 60),
    "document-issued-on": ("verify.document_issued_on", r"[0-9-]*", 10),
    "lawyer-phone": ("verify.lawyer_phone", r"[0-9 +-]*", 24),
}
BASIS_FIELDS: dict[Basis, tuple[str, ...]] = {
    "power_of_attorney": ("poa-relation", "poa-signed-by"),
    "aid_letter": ("aid-letter-no", "hand-entered"),
    "duty_notice": ("duty-notice-no", "hand-entered"),
}
HAND_FIELDS = ("document-issuer", "document-issued-on")
FIRM_LETTER = ("firm-code", "letter-lawyer", "letter-detainee")
ALWAYS_REQUIRED = ("cert-no", *FIRM_LETTER, "roster-no")


class VerifyScreen(Screen):
    """The desk after sign-in: one form per lawyer, the result below it."""

    BINDINGS = [
        Binding("ctrl+s", "verify", "核验", id="key.verify", priority=True),
        Binding("ctrl+r", "clear", "清空", id="key.clear", priority=True),
        Binding("f3", "book", "安排会见", id="key.book"),
        Binding("ctrl+e", "end_defence", "终止辩护", id="key.end_defence", priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield KioskHeader("verify.title")
        with VerticalScroll(id="verify-body"):
            with Vertical(id="verify-form"):
                yield self._row("verify.cert_no", self._text_input("cert-no"))
                yield self._row(None, labelled(Tick(id="inspected", compact=True),
                                               "verify.inspected"))
                yield self._row("verify.firm_code", self._text_input("firm-code"), group=True)
                yield self._row("verify.letter_lawyer", self._text_input("letter-lawyer"))
                yield self._row("verify.letter_detainee", self._text_input("letter-detainee"))
                yield self._row("verify.roster_no", self._text_input("roster-no"), group=True)
                yield self._row("verify.lawyer_phone", self._text_input("lawyer-phone"),
                                group=True)
                yield self._row("verify.basis", RadioSet(
                    labelled(Choice(id="power_of_attorney", value=True),
                             "verify.power_of_attorney"),
                    labelled(Choice(id="aid_letter"), "verify.aid_letter"),
                    labelled(Choice(id="duty_notice"), "verify.duty_notice"),
                    id="basis", compact=True), group=True)
                yield self._row("verify.poa_relation",
                                Select([], id="poa-relation", compact=True,
                                       prompt=label("verify.choose", "zh")))
                yield self._row("verify.poa_signed_by", self._text_input("poa-signed-by"))
                yield self._row("verify.aid_letter_no", self._text_input("aid-letter-no"))
                yield self._row("verify.duty_notice_no", self._text_input("duty-notice-no"),
                                labelled(Static(classes="hint"), "verify.duty_firm_hint"))
                yield self._row(None, labelled(Tick(id="hand-entered", compact=True),
                                               "verify.hand_entered"))
                yield self._row("verify.document_issuer", self._text_input("document-issuer"))
                yield self._row("verify.document_issued_on",
                                self._text_input("document-issued-on"))
                yield self._row(None, labelled(Button(variant="primary", id="verify",
                                                      compact=True), "verify.submit"),
                                labelled(Button(id="clear", compact=True), "verify.clear"),
                                labelled(Static(classes="hint"), "verify.hint"),
                                group=True)
            yield Notice(id="verify-message")
            yield ResultPanel(self.app.settings.zone, id="result")
            yield Static(id="complaint", markup=False)  # C6: shown with a refusal
            yield labelled(Button(id="print-refusal", compact=True), "verify.print_refusal")
            yield labelled(Button(variant="success", id="book", compact=True), "verify.book")
            yield labelled(Button(variant="warning", id="end-defence", compact=True),
                           "verify.end_defence")
        yield KioskFooter()

    @staticmethod
    def _row(label_key: str | None, *fields: Widget, group: bool = False) -> Horizontal:
        """One line of the form: its label, then its field(s); row id follows the field's."""
        caption = Static(classes="field-label")
        if label_key:
            labelled(caption, label_key)
        return Horizontal(caption, *fields, classes="row -group" if group else "row",
                          id=f"row-{fields[0].id}")

    @staticmethod
    def _text_input(field: str) -> Input:
        _, allowed, longest = TEXT_FIELDS[field]
        return Input(id=field, restrict=allowed, max_length=longest,
                     classes="field")

    def on_mount(self) -> None:
        self.watch(self.app, "language", self._set_language)
        self._show_basis("power_of_attorney")
        self._offer_booking(None)
        self._offer_end_defence(None)
        self._show_complaint(None)
        self.query_one("#cert-no", Input).focus()

    def _set_language(self, language: Language) -> None:
        translate(self, language)
        self._show_complaint(getattr(self, "refusal_id", None))
        relation = self.query_one("#poa-relation", Select)
        chosen = relation.value
        relation.prompt = label("verify.choose", language)  # drawn again by set_options
        relation.set_options(
            (zh if language == "zh" else en, key) for key, (zh, en) in POA_RELATIONS.items())
        if chosen != Select.NULL:
            relation.value = chosen

    # -- the basis decides which fields are asked for

    @property
    def basis(self) -> Basis:
        pressed = self.query_one("#basis", RadioSet).pressed_button
        # The radio buttons' ids are the Basis values.
        if pressed and pressed.id in ("aid_letter", "duty_notice"):
            return pressed.id  # type: ignore[return-value]
        return "power_of_attorney"

    @property
    def hand_entered(self) -> bool:
        return self.basis != "power_of_attorney" and \
            self.query_one("#hand-entered", Checkbox).value

    @on(RadioSet.Changed, "#basis")
    @on(Checkbox.Changed, "#hand-entered")
    def _basis_changed(self) -> None:
        self._show_basis(self.basis)

    def _show_basis(self, basis: Basis) -> None:
        shown = set(BASIS_FIELDS[basis])
        for fields in BASIS_FIELDS.values():
            for field in fields:
                self.query_one(f"#row-{field}").display = field in shown
        for field in HAND_FIELDS:
            self.query_one(f"#row-{field}").display = self.hand_entered

    # -- submitting

    def _last_text_field(self) -> str:
        if self.hand_entered:
            return HAND_FIELDS[-1]
        return {"power_of_attorney": "poa-signed-by", "aid_letter": "aid-letter-no",
                "duty_notice": "duty-notice-no"}[self.basis]

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        """Enter moves down the form; on the last field it submits."""
        if event.input.id == self._last_text_field():
            self.action_verify()
        else:
            self.focus_next()
            if isinstance(self.focused, Checkbox):  # Enter never lands on (and ticks) a box
                self.focus_next()

    @on(Button.Pressed, "#verify")
    def action_verify(self) -> None:
        notice = self.query_one(Notice)
        presentation = self._presentation(notice)
        if presentation is None:
            return
        with notice.refusals() as outcome:
            verification = self.app.desk.verify(presentation)
        if outcome.refused:
            self._bring_into_view(notice)
            return
        notice.clear()
        result = self.query_one(ResultPanel)
        result.show(verification)
        self._offer_booking(verification)
        self._offer_end_defence(verification)
        self._show_complaint(verification.refusal_id)
        self._bring_into_view(result)

    def _bring_into_view(self, widget: Widget) -> None:
        """Issue 12: the result (which document failed, or the refusal) is on screen without
        scrolling, at 80x24 too: the form scrolls up until it is at the top."""
        body = self.query_one("#verify-body", VerticalScroll)
        self.call_after_refresh(body.scroll_to_widget, widget, top=True, animate=False)

    # -- C6: a refusal tells the lawyer where to complain

    def _show_complaint(self, refusal_id: int | None) -> None:
        self.refusal_id = refusal_id
        complaint, button = self.query_one("#complaint", Static), self.query_one("#print-refusal")
        complaint.display = button.display = refusal_id is not None
        if refusal_id is not None:
            line = complaint_line(self.app.settings)
            zh = self.app.language == "zh"
            complaint.update(f"{label('verify.complaint', self.app.language)}"
                             f"{line.zh if zh else line.en}")

    @on(Button.Pressed, "#print-refusal")
    def _print_refusal(self) -> None:
        if getattr(self, "refusal_id", None) is not None:
            from kiosk.printing import print_refusal_slip

            print_refusal_slip(self.app, self.refusal_id)

    def _value(self, field: str) -> str:
        if field == "poa-relation":
            value = self.query_one("#poa-relation", Select).value
            return "" if value == Select.NULL else str(value)
        return self.query_one(f"#{field}", Input).value.strip()

    def _presentation(self, notice: Notice) -> Presentation | None:
        """The form as a Presentation, or None with a message naming the empty fields."""
        basis = self.basis
        required = tuple(f for f in ALWAYS_REQUIRED + BASIS_FIELDS[basis]
                         if f != "hand-entered" and not (basis == "duty_notice"
                                                         and f in FIRM_LETTER))
        if self.hand_entered:
            required += HAND_FIELDS
        missing = [field for field in required if not self._value(field)]
        if missing:
            keys = [TEXT_FIELDS[f][0] if f in TEXT_FIELDS else "verify.poa_relation"
                    for f in missing]
            notice.show(label("verify.missing", "zh") + "、".join(label(k, "zh") for k in keys),
                        label("verify.missing", "en") + ", ".join(label(k, "en") for k in keys))
            self.query_one(ResultPanel).show(None)
            self._offer_booking(None)
            self.query_one(f"#{missing[0]}").focus()
            return None
        values = {
            "cert_no": self._value("cert-no"),
            "inspected_in_person": self.query_one("#inspected", Checkbox).value,
            "letter_firm_code": self._value("firm-code").upper(),
            "letter_lawyer_name": self._value("letter-lawyer"),
            "letter_detainee_name": self._value("letter-detainee"),
            "roster_no": self._value("roster-no"),
            "basis": basis,
            "lawyer_phone": self._value("lawyer-phone"),
        }
        if basis == "power_of_attorney":
            values["poa_signed_by"] = self._value("poa-signed-by")
            values["poa_relation"] = self._value("poa-relation")
        elif basis == "aid_letter":
            values["aid_letter_no"] = self._value("aid-letter-no")
        else:
            values["duty_notice_no"] = self._value("duty-notice-no")
        if self.hand_entered:
            values.update(hand_entered=True, document_issuer=self._value("document-issuer"),
                          document_issued_on=self._value("document-issued-on"))
        with notice.refusals():
            return Presentation.model_validate(values)
        return None

    # -- starting again

    @on(Button.Pressed, "#clear")
    def action_clear(self) -> None:
        for field in TEXT_FIELDS:
            self.query_one(f"#{field}", Input).clear()
        self.query_one("#inspected", Checkbox).value = False
        self.query_one("#hand-entered", Checkbox).value = False
        self._show_complaint(None)
        self.query_one("#power_of_attorney", RadioButton).value = True
        self.query_one("#poa-relation", Select).clear()
        self.query_one(Notice).clear()
        self.query_one(ResultPanel).show(None)
        self._offer_booking(None)
        self._offer_end_defence(None)
        self.query_one("#cert-no", Input).focus()

    # -- V6: the detainee has two defence lawyers; one defence may have ended

    def _offer_end_defence(self, verification) -> None:
        roster_no = self._value("roster-no")
        self.two_defenders = (
            verification is not None and any(c.rule == "V6" for c in verification.failures)
            and len(self.app.desk.live_defences(roster_no)) >= MAX_DEFENDERS)
        self.query_one("#end-defence", Button).display = self.two_defenders
        self.refresh_bindings()

    @on(Button.Pressed, "#end-defence")
    def action_end_defence(self) -> None:
        from kiosk.screens.dialogs import EndDefenceDialog

        def ended(defence) -> None:
            if defence is None:
                return
            notice = self.query_one(Notice)
            notice.show(f"{label('defence.ended', 'zh')} {defence.lawyer_name} {defence.cert_no}",
                        f"{label('defence.ended', 'en')} {defence.lawyer_name} {defence.cert_no}")
            self._offer_end_defence(None)
            self.query_one("#verify", Button).focus()  # Ctrl+S checks the documents again

        self.app.push_screen(EndDefenceDialog(self._value("roster-no")), ended)

    # -- on to the booking (kiosk/screens/offers.py)

    def _offer_booking(self, verification) -> None:
        """After a pass, F3 or Enter on the button goes on to the offers (or the permission)."""
        self.bookable = verification is not None and verification.passed
        button = self.query_one("#book", Button)
        button.display = self.bookable
        self.refresh_bindings()
        if self.bookable:
            button.focus()

    def request_closed(self) -> None:
        """P2: the authority refused, so nothing is left to book; focus 'clear' (Enter starts
        the next lawyer's form; the result stays on screen until then)."""
        self._offer_booking(None)
        self.query_one("#clear", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "book":
            return getattr(self, "bookable", False)
        if action == "end_defence":
            return getattr(self, "two_defenders", False)
        return True

    @on(Button.Pressed, "#book")
    def action_book(self) -> None:
        verification = self.query_one(ResultPanel).verification
        if verification is not None and verification.request is not None:
            from kiosk.screens.navigation import open_request

            open_request(self.app, self.query_one(Notice), verification.request.id,
                         lawyer_present=True)  # the lawyer is at the desk with the documents
