"""The city's view: the JSON compliance reports of many centres (`kiosk report --format
json`) merged into one for the same period. Each centre stays its own system of record; only
reports travel (docs/scaling.md). booking never imports this package."""
