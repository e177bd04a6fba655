"""Widgets the kiosk's screens share: the header, bilingual notices, the result panel."""
