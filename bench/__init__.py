"""Benchmarks: `python -m bench` (make bench) and the multi-kiosk load shared with tests/stress."""
