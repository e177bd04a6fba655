"""Security: a signed-in desk left alone locks itself after security.idle_lock_minutes."""

from kiosk.screens.sign_in import SignInScreen
from kiosk.screens.verify import VerifyScreen

SIZE = (120, 40)


async def sign_in(pilot):
    await pilot.press(*"1001", "enter", *"246810", "enter")
    await pilot.pause()


async def test_idle_desk_signs_out(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, VerifyScreen) and app.officer == "1001"
        app.lock_if_idle()  # just used: nothing happens
        assert app.officer == "1001"
        app.last_input -= app.settings.security.idle_lock_minutes * 60 + 1
        app.lock_if_idle()
        await pilot.pause()
        assert app.officer is None and isinstance(app.screen, SignInScreen)


async def test_a_key_keeps_the_desk_open(app):
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        app.last_input -= app.settings.security.idle_lock_minutes * 60 + 1
        await pilot.press("f2")  # any key counts as use
        app.lock_if_idle()
        assert app.officer == "1001"
