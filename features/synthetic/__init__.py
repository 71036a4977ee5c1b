"""The synthetic demo centre: arrivals, handle times, a simulated roster and service."""
