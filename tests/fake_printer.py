"""The one stand-in for a network ESC/POS printer (port 9100) in the tests: a TCP server on
127.0.0.1, on a port the system picks, that keeps the bytes of each connection and answers
the status requests (DLE EOT) as told. It can be switched off (connections are refused),
hang (connections time out), stay silent or drop the connection mid-job.

    with FakePrinter() as printer:            # or the fake_printer fixture
        settings = network_printer(settings, printer.port)
        ...
        [job] = printer.wait_for(1)
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from typing import Literal

from booking.settings import Settings
from printers.connections import ASK_OFFLINE_CAUSE, ASK_PAPER_SENSOR

HOST = "127.0.0.1"
STATUS_OK = 0x12       # the fixed bits of a DLE EOT answer, nothing wrong
PAPER_NEAR_END = 0x1E  # the paper sensor's "nearly out" bits
PAPER_END = 0x72       # the paper sensor's "roll end" bits
COVER_OPEN = STATUS_OK | 0x04   # offline cause: the cover is open
STATUS = ASK_OFFLINE_CAUSE + ASK_PAPER_SENSOR  # what the kiosk asks before and after a job

Mode = Literal["ok", "silent", "close_after"]


class FakePrinter:
    """A network printer on 127.0.0.1:port (port 0: a free one, kept while switched off).

    mode: ok (answers status requests with `offline` and `paper`), silent (never answers
    them, as many printers do), close_after (drops the connection with a reset once it has
    `close_after` bytes). jobs: the bytes of each finished connection, in order."""

    def __init__(self, port: int = 0, *, mode: Mode = "ok", offline: int = STATUS_OK,
                 paper: int = STATUS_OK, close_after: int = 0, on: bool = True) -> None:
        self.mode: Mode = mode
        self.offline = offline
        self.paper = paper
        self.close_after = close_after
        self.jobs: list[bytes] = []
        self._done = threading.Condition()
        self._server: socketserver.ThreadingTCPServer | None = None
        self._hung: list[socket.socket] = []
        self.port = port
        self.switch_on()
        if not on:
            self.switch_off()

    # --- what the tests set up

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def switch_on(self) -> None:
        """Serve on the port (again, after switch_off or hang)."""
        self._release()
        fake = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                fake._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._server = Server((HOST, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def switch_off(self) -> None:
        """Nothing listens on the port: a connection is refused at once."""
        self._release()

    def hang(self) -> None:
        """The port takes no more connections and never answers: a connection attempt times
        out (a listening socket with a full queue that is never accepted)."""
        self._release()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(0)
        filler = socket.create_connection((HOST, self.port), timeout=1)  # fills the queue
        self._hung = [listener, filler]

    def stop(self) -> None:
        self._release()

    def __enter__(self) -> FakePrinter:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what the tests read

    def wait_for(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """The first `count` jobs, once they have arrived."""
        with self._done:
            if not self._done.wait_for(lambda: len(self.jobs) >= count, timeout):
                raise AssertionError(f"printer got {len(self.jobs)} connections, not {count}")
            return self.jobs[:count]

    # --- the printer

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        got = bytearray()
        try:
            while chunk := conn.recv(65536):
                got += chunk
                if self.mode == "close_after" and len(got) >= self.close_after:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    break
                if self.mode == "silent":
                    continue
                if got.endswith(ASK_OFFLINE_CAUSE):
                    conn.sendall(bytes([self.offline]))
                elif got.endswith(ASK_PAPER_SENSOR):
                    conn.sendall(bytes([self.paper]))
        except OSError:
            pass
        finally:
            with self._done:
                self.jobs.append(bytes(got))
                self._done.notify_all()

    def _release(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for sock in self._hung:
            sock.close()
        self._hung = []


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens: a printer that is switched off."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def network_printer(settings: Settings, port: int, **changes) -> Settings:
    """settings with the ticket printer at 127.0.0.1:port (2 s timeout unless changed)."""
    printer = settings.printer.model_copy(update={
        "kind": "network", "host": HOST, "port": port, "timeout_seconds": 2.0, **changes})
    return settings.model_copy(update={"printer": printer})
