"""Where a print job goes (T4): a folder (ESC/POS bytes and a PNG preview), a network printer
(port 9100), USB or serial, each through python-escpos. Every failure is a PrintFault."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy, File, Network, Serial, Usb
from PIL import Image

from booking.clock import Clock
from booking.files import private_folder
from booking.settings import Printer
from booking.storage import new_private_file

from .documents import Document
from .esc_pos import QR_MODULE_DOTS, ChineseWriter, profile_for
from .faults import PrintFault, fault, fault_from_error
from .pictures import find_font, preview

# Real-time status requests (DLE EOT n); printers answer them even while stopped.
ASK_OFFLINE_CAUSE = b"\x10\x04\x02"  # bit 2 cover open, bit 5 stopped at paper end, bit 6 error
ASK_PAPER_SENSOR = b"\x10\x04\x04"   # bits 2-3 paper near end, bits 5-6 paper end


@dataclass(frozen=True)
class PrintedJob:
    name: str                      # e.g. ticket+explanation
    size: int                      # ESC/POS bytes sent
    files: tuple[Path, ...] = ()   # file printer: the .bin and the .png preview
    warning: str | None = None     # printed, but e.g. the paper is nearly out


class TicketPrinter:
    """The ticket printer of settings [printer]: renders documents and sends the job."""

    def __init__(self, config: Printer, clock: Clock):
        self.config = config
        self.clock = clock

    def render(self, documents: Sequence[Document]) -> bytes:
        """The job's ESC/POS bytes, as python-escpos' Dummy printer records them."""
        dummy = Dummy(profile=profile_for(self.config.paper_mm))
        self._writer(dummy).write(documents)
        return dummy.output

    def preview(self, documents: Sequence[Document]) -> Image.Image:
        return preview(documents, self.config.paper_mm, find_font(self.config.font),
                       QR_MODULE_DOTS[self.config.paper_mm])

    def print(self, documents: Sequence[Document]) -> PrintedJob:
        """Send one job (documents cut apart). Raises PrintFault; nothing else is touched."""
        name = "+".join(d.kind for d in documents)
        job = self.render(documents)
        if self.config.kind == "file":
            return self._to_folder(documents, job, name)
        device = self._device()
        try:
            warning = self._send(device, job)
        finally:
            _close(device)
        return PrintedJob(name=name, size=len(job), warning=warning)

    def _writer(self, printer: Escpos) -> ChineseWriter:
        c = self.config
        return ChineseWriter(printer, c.paper_mm, c.encoding, c.qr, c.font)

    # --- the file printer ---

    def _to_folder(self, documents: Sequence[Document], job: bytes, name: str) -> PrintedJob:
        picture = self.preview(documents)  # before writing, so a font fault leaves no files
        folder = self.config.folder
        try:
            private_folder(folder)  # S2 files: each folder it makes is 0700
            stem = self._free_stem(folder, name)
            # A ticket carries a name and a bearer code: owner-only files (0600).
            new_private_file(folder / f"{stem}.bin")
            new_private_file(folder / f"{stem}.png")
            device = File(devfile=str(folder / f"{stem}.bin"),
                          profile=profile_for(self.config.paper_mm))
            try:
                device.open()
                device._raw(job)
            finally:
                device.close()
            picture.save(folder / f"{stem}.png")
        except (OSError, DeviceNotFoundError) as exc:
            raise fault_from_error(exc, "file", str(folder)) from None
        return PrintedJob(name=name, size=len(job),
                          files=(folder / f"{stem}.bin", folder / f"{stem}.png"))

    def _free_stem(self, folder: Path, name: str) -> str:
        base = f"{self.clock.now():%Y%m%d-%H%M%S}-{name}"
        stem, n = base, 1
        while (folder / f"{stem}.bin").exists() or (folder / f"{stem}.png").exists():
            n += 1
            stem = f"{base}-{n}"
        return stem

    # --- real printers ---

    def _device(self) -> Escpos:
        c = self.config
        profile = profile_for(c.paper_mm)
        if c.kind == "network":
            return Network(host=c.host, port=c.port, timeout=c.timeout_seconds, profile=profile)
        if c.kind == "usb":
            if not Usb.is_usable():
                raise fault("driver_missing", "pyusb is not installed", connection="usb",
                            package="pyusb")
            return Usb(c.usb_vendor_id, c.usb_product_id,
                       timeout=int(c.timeout_seconds * 1000), profile=profile)
        if not Serial.is_usable():
            raise fault("driver_missing", "pyserial is not installed", connection="serial",
                        package="pyserial")
        return Serial(devfile=c.serial_device, baudrate=c.baudrate, timeout=c.timeout_seconds,
                      profile=profile)

    @property
    def where(self) -> str:
        """The printer's address, for messages."""
        c = self.config
        return {"network": f"{c.host}:{c.port}", "serial": c.serial_device,
                "usb": f"USB {c.usb_vendor_id:04x}:{c.usb_product_id:04x}",
                "file": str(c.folder)}.get(c.kind, c.kind)

    def _send(self, device: Escpos, job: bytes) -> str | None:
        c, where = self.config, self.where
        try:
            device.open()
            answered, warning = self._status(device) if c.status_check else (False, None)
            device._raw(job)
            if answered:
                warning = self._status(device)[1] or warning
            return warning
        except PrintFault:
            raise
        except Exception as exc:  # socket, pyusb and pyserial errors, each told apart there
            raise fault_from_error(exc, c.kind, where) from None

    def _status(self, device: Escpos) -> tuple[bool, str | None]:
        """Ask the printer for its state: (answered, warning). A printer that stays silent is
        taken as fine (many do not answer); paper out or an open cover is a fault."""
        empty_means_closed = self.config.kind == "network"  # a socket read b"" at its end
        answers = []
        for request in (ASK_OFFLINE_CAUSE, ASK_PAPER_SENSOR):
            device._raw(request)
            try:
                answer = device._read()
            except (TimeoutError, NotImplementedError):
                return False, None
            if not answer:
                if empty_means_closed:
                    raise fault("closed", "the printer closed the connection (EOF)",
                                where=self.where, connection="network")
                return False, None
            answers.append(answer[-1])
        offline, paper = answers
        status = f"status offline-cause 0x{offline:02x}, paper-sensor 0x{paper:02x}"
        if offline & 0x04:
            raise fault("cover_open", status, where=self.where)
        if offline & 0x20 or paper & 0x60 == 0x60:
            raise fault("paper_out", status, where=self.where)
        if offline & 0x40:
            raise fault("printer_error", status, where=self.where)
        if paper & 0x0C == 0x0C:
            return True, "打印纸即将用完，请准备换纸 / paper is nearly out: have a new roll ready"
        return True, None


def _close(device: Escpos) -> None:
    """Close after a job; a connection that already broke has nothing more to say."""
    try:
        device.close()
    except (OSError, RuntimeError, DeviceNotFoundError):
        pass

