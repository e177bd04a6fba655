"""`kiosk serve` over its websocket, as browsers use it: the pages fetch nothing from outside,
each desk signs in, a closed browser ends its kiosk process and loses nothing, two desks book
against each other and B4 holds, the board needs no sign-in."""

from __future__ import annotations

import asyncio
import re
import time
from html.parser import HTMLParser

import aiohttp
import pytest
from serve_steps import LIU_YANG, WANG_JIANGUO, Desk, served_centre
from support import ROOT

from booking.integrity import consistency_problems, overlapping_bookings
from booking.settings import Serve, load_settings


@pytest.fixture
def served(tmp_path):
    with served_centre(tmp_path) as centre:
        yield centre


class Assets(HTMLParser):
    """Every address a page makes the browser load: src, href, and url(...) in its CSS."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]

    def handle_data(self, data):
        self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", data)


def test_the_default_binds_this_machine_only():
    assert Serve().host == "127.0.0.1"
    assert load_settings(ROOT / "config" / "kiosk.toml").serve.host == "127.0.0.1"


async def test_pages_load_nothing_from_outside_the_server(served):
    async with aiohttp.ClientSession() as http:
        for page in ("/", "/board"):
            async with http.get(served.url + page) as response:
                assert response.status == 200
                html = await response.text()
            parser = Assets()
            parser.feed(html)
            assert parser.urls, page
            assert not re.search(r"https?://|//fonts|googleapis", html), page
            for url in parser.urls:
                assert url.startswith("/static/"), url  # this server's own files
                async with http.get(served.url + url) as asset:
                    assert asset.status == 200, url
                    body = (await asset.read()).decode("utf-8", "replace")
                # the script and style sheet textual-serve ships name no other server
                assert not re.search(r"""(fetch|import|url)\(\s*['"]?https?://""", body), url
            assert 'ws://127.0.0.1' in html  # the terminal's socket is this server's too
        async with http.get(served.url + "/desk/nowhere") as response:
            assert response.status == 404  # only the desks of the config


async def test_s1_a_closed_browser_ends_its_kiosk_and_loses_nothing(served):
    async with aiohttp.ClientSession() as http:
        desk = await Desk(http, served.url + "/ws").open()
        shown = await desk.wait_for("PIN")
        assert "执业证" not in shown  # S1: the desk's screens need a sign-in first
        await desk.sign_in()
        await desk.book_now(WANG_JIANGUO)
        await desk.wait_for("排队号 A001")
        processes = served.desk_processes()
        assert processes
        await desk.close()  # the browser tab closes
        deadline = time.monotonic() + 20
        while served.desk_processes():
            assert time.monotonic() < deadline, "the desk's kiosk process did not end"
            await asyncio.sleep(0.2)
    db = served.database()
    try:
        booking = db.execute("SELECT state FROM bookings").fetchall()
        assert booking == [("arrived",)]
        assert db.execute("SELECT label FROM tickets").fetchall() == [("A001",)]
        assert consistency_problems(db) == []
    finally:
        db.conn.close()
    audit = served.kiosk("audit", "verify")
    assert audit.returncode == 0, audit.stderr


async def test_b4_two_desks_book_against_each_other_through_the_server(served):
    """Both desks are offered the same room at the same moment and book it at once: one
    gets it, the other a refusal or another room; never two meetings in one room."""
    async with aiohttp.ClientSession() as http:
        desks = [await Desk(http, served.url + "/ws").open() for _ in range(2)]
        await asyncio.gather(*(desk.sign_in() for desk in desks))
        for desk, lawyer in zip(desks, (WANG_JIANGUO, LIU_YANG), strict=True):
            await desk.verify(lawyer)
        await asyncio.gather(*(desk.offers() for desk in desks))
        offered = [desk.terminal.text() for desk in desks]
        assert all("会见室1 (M1)" in shown for shown in offered)  # the same room for both
        await asyncio.gather(*(desk.type("enter") for desk in desks))
        # at least one is booked (whichever won the race); let the other answer too
        deadline = time.monotonic() + 30
        while not any("排队号" in desk.terminal.text() for desk in desks):
            assert time.monotonic() < deadline, "\n\n".join(d.terminal.text() for d in desks)
            await asyncio.sleep(0.1)
        await asyncio.sleep(3)
        await asyncio.gather(*(desk.close() for desk in desks))
    db = served.database()
    try:
        rows = db.execute("SELECT cert_no, room_id, state FROM bookings ORDER BY id").fetchall()
        assert 1 <= len(rows) <= 2
        assert len({room for _, room, _ in rows}) == len(rows)  # one room, one meeting
        assert overlapping_bookings(db) == {"room_id": [], "roster_no": [], "cert_no": []}
        assert consistency_problems(db) == []
    finally:
        db.conn.close()
    assert served.kiosk("audit", "verify").returncode == 0


async def test_t3_the_board_is_served_without_a_sign_in(served):
    async with aiohttp.ClientSession() as http:
        board = await Desk(http, served.url + "/board/ws", width=160, height=40).open()
        shown = await board.wait_for("Now serving", "Waiting (0)", "上海市第一看守所")
        assert "PIN" not in shown
        await board.type("n", "enter", "f3")  # nothing on the board acts on a key
        await asyncio.sleep(0.5)
        await board.close()
    db = served.database()
    try:
        assert db.execute("SELECT count(*) FROM tickets").fetchone() == (0,)
    finally:
        db.conn.close()
