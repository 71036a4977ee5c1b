"""A discrete-event simulator of a multi-skill contact centre (Poisson or replayed arrivals)."""
