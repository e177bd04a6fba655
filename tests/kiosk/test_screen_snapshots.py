"""What the officer sees, as SVG snapshots at 120x40 (fixed clock, steady cursor).

Update with `pytest tests/kiosk --snapshot-update`, then look at the report before committing.
"""

from __future__ import annotations

from kiosk_steps import GOOD_POA, SIZE, SUSPENDED_POA, fill, sign_in, steady_cursor


def test_snapshot_sign_in(snap_compare, app):
    async def wrong_pin(pilot):
        await sign_in(pilot, pin="111111")
        steady_cursor(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=wrong_pin)


def test_snapshot_verify_empty(snap_compare, app):
    async def signed_in(pilot):
        await sign_in(pilot)
        steady_cursor(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=signed_in)


def test_snapshot_verify_passed(snap_compare, app):
    async def verified(pilot):
        await sign_in(pilot)
        await fill(pilot, GOOD_POA)
        await pilot.press("ctrl+s")
        steady_cursor(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=verified)


def test_snapshot_verify_refused_in_english(snap_compare, app):
    async def refused(pilot):
        await sign_in(pilot)
        await fill(pilot, SUSPENDED_POA)
        await pilot.press("ctrl+s", "f2")
        steady_cursor(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=refused)
