"""The workload simulator: a busy centre's days played through booking's public use cases
with a fixed clock (`kiosk simulate`, the tests' histories, the bench, and the what-if in
whatif/). A consumer of booking, as kiosk/ and whatif/ are: booking never imports it, and
it imports neither kiosk, printers nor textual (import-linter contracts in pyproject.toml).

- simulation.simulator: Simulator, simulate, Summary (the run);
- simulation.arrivals: the arrivals models (who comes each day; the what-if's hook);
- simulation.profiles: Profile (the visitors' rates);
- simulation.registry: the synthetic registers and who defends whom.
"""

from .arrivals import Arrivals, ProfileArrivals, local_time
from .profiles import Profile
from .registry import Defence, Population, RegistryMaker, make_population
from .simulator import (
    DEFAULT_START,
    LEVERS,
    SIM_ACTOR,
    SIM_OFFICER,
    SimulationError,
    Simulator,
    Summary,
    simulate,
)

__all__ = ["DEFAULT_START", "LEVERS", "SIM_ACTOR", "SIM_OFFICER", "Arrivals", "Defence",
           "Population", "Profile", "ProfileArrivals", "RegistryMaker", "SimulationError",
           "Simulator", "Summary", "local_time", "make_population", "simulate"]
