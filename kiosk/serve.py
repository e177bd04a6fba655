"""`kiosk serve`: the desks and the lobby board in a browser, with textual-serve.

Each browser connection runs its own kiosk process on this machine, against the one database
file (SQLite is never shared over the network; the processes write under BEGIN IMMEDIATE, as
several kiosks on one host always have):

- `/` a desk with the shared [printer]; `/desk/NAME` a desk with its profile's printer
  ([desks.NAME] in the config): both sign in with staff number and PIN, and lock when idle;
- `/board` the lobby's wall board (kiosk/lobby.py): no sign-in, no actions.

A browser that closes ends its process the way Ctrl+Q does: what was saved stays saved (every
record is written in its own transaction when the officer confirms it), what was only typed
goes, as at a sign-out. The pages load nothing from outside this server: the page is the
kiosk's own copy of textual-serve's (templates/serve/), without its web-font link; the
script, style sheet and terminal font are the ones textual-serve ships.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp_jinja2
import click
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

if TYPE_CHECKING:
    from booking.settings import Settings
    from kiosk.cli import Context

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates" / "serve"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
BOARD_FONT_SIZE = 22  # the wall board is read from across the hall (?fontsize=N changes it)


def statics() -> Path:
    """textual-serve's script, style sheet and fonts, from the installed package."""
    spec = find_spec("textual_serve")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "static"


class KioskServer(Server):
    """textual-serve's server with the kiosk's routes: a command per page."""

    def __init__(self, settings: Settings, kiosk: list[str], *, host: str, port: int) -> None:
        super().__init__(shlex.join(kiosk), host=host, port=port, title=settings.centre.name,
                         statics_path=statics(), templates_path=TEMPLATES)
        self.settings = settings
        self.kiosk = kiosk
        """The `kiosk` command with its global options (config, database)."""
        self.running: set[AppService] = set()
        """The kiosk processes of the open connections, asked to quit when the server stops."""

    def command_for(self, page: str, desk: str | None = None) -> str:
        if page == "board":
            return shlex.join([*self.kiosk, "board"])
        return shlex.join([*self.kiosk, *(["--desk", desk] if desk else [])])

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes([
            web.get("/", self.desk_page),
            web.get("/ws", self.desk_socket),
            web.get("/desk/{desk}", self.desk_page),
            web.get("/desk/{desk}/ws", self.desk_socket),
            web.get("/board", self.board_page),
            web.get("/board/ws", self.board_socket),
            web.static("/static", self.statics_path, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_shutdown(self, app: web.Application) -> None:
        """Ctrl+C or SIGTERM: every kiosk still connected quits as a closed tab's does."""
        await asyncio.gather(*(service.stop() for service in list(self.running)),
                             return_exceptions=True)

    async def on_startup(self, app: web.Application) -> None:
        url = f"http://{self.host}:{self.port}"
        click.echo(f"律师会见终端已启动 serving the kiosk: desk {url}/ · board {url}/board"
                   f"{''.join(f' · {url}/desk/{d}' for d in sorted(self.settings.desks))}")
        if self.host not in LOCAL_HOSTS:
            click.echo("注意：已在局域网地址上服务，该网络必须是封闭的看守所内网"
                       " / warning: serving on a network address: that network must be the"
                       " centre's closed network (docs/installer-guide.md)", err=True)
        click.echo("按 Ctrl+C 停止 Ctrl+C stops it")

    # --- pages ----------------------------------------------------------------------------

    def _desk(self, request: web.Request) -> str | None:
        desk = request.match_info.get("desk")
        if desk is not None and desk not in self.settings.desks:
            raise web.HTTPNotFound(text=f"配置中没有窗口 no desk {desk!r} in the config")
        return desk

    def _page(self, request: web.Request, socket: str, font_size: int,
              title: str) -> web.Response:
        scheme = "wss" if request.secure else "ws"
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", str(font_size)), font_size),
            # the address the browser used: the page works on 127.0.0.1 and on a LAN address
            "app_websocket_url": f"{scheme}://{request.host}{socket}",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def desk_page(self, request: web.Request) -> web.Response:
        desk = self._desk(request)
        socket = f"/desk/{desk}/ws" if desk else "/ws"
        title = f"{self.settings.centre.name} {desk or ''}".strip()
        return self._page(request, socket, 16, title)

    async def board_page(self, request: web.Request) -> web.Response:
        return self._page(request, "/board/ws", BOARD_FONT_SIZE,
                          f"{self.settings.centre.name} 叫号 now serving")

    # --- one kiosk process per connection ---------------------------------------------------

    async def desk_socket(self, request: web.Request) -> web.WebSocketResponse:
        return await self._run(request, self.command_for("desk", self._desk(request)))

    async def board_socket(self, request: web.Request) -> web.WebSocketResponse:
        return await self._run(request, self.command_for("board"))

    async def _run(self, request: web.Request, command: str) -> web.WebSocketResponse:
        """textual-serve's handle_websocket with the page's command: the process lives as
        long as the connection; when the browser goes, the app is asked to quit and awaited."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: AppService | None = None
        try:
            await websocket.prepare(request)
            service = AppService(command, write_bytes=websocket.send_bytes,
                                 write_str=websocket.send_str, close=websocket.close,
                                 download_manager=self.download_manager, debug=False)
            await service.start(width, height)
            self.running.add(service)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("a kiosk connection failed")
        finally:
            if service is not None:
                self.running.discard(service)
                await service.stop()
        return websocket


def kiosk_command(c: Context) -> list[str]:
    """How the server starts a kiosk: this Python, this config and database."""
    command = [sys.executable, "-m", "kiosk", "--config", str(c.config_path.resolve())]
    if c.db_option is not None:
        command += ["--db", str(c.db_option.resolve())]
    return command


@click.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="端口 port for this run (default: serve.port in the config)")
@click.pass_obj
def serve_command(c: Context, port: int | None) -> None:
    """浏览器访问 serve the desks (/, /desk/NAME) and the lobby board (/board) to browsers, on
    serve.host:serve.port from the config (127.0.0.1 by default: this machine only)."""
    c.db  # noqa: B018  create or upgrade the database once, before any desk connects
    c.close()
    server = KioskServer(c.settings, kiosk_command(c), host=c.settings.serve.host,
                         port=port or c.settings.serve.port)
    try:
        server.serve()
    except OSError as exc:
        click.echo(f"无法在 {server.host}:{server.port} 上服务 cannot serve on"
                   f" {server.host}:{server.port}: {exc.strerror or exc}", err=True)
        sys.exit(1)
