"""The kiosk's screens: each collects input, calls one use case and shows the result."""
