"""`python -m kiosk`: the `kiosk` command (the processes `kiosk serve` starts run it so)."""

from kiosk.cli import main

main()
