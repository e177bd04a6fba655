"""The warden's what-if (issue 16): demand estimated from the centre's own history, scenarios
as small overlays on the config, each played forward by the simulator on a copy of the
database, and a back-test against what really happened. Reads the live database only."""
