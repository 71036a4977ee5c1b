"""Where the service compositions read: the site's stores and its zone, in one value."""

from __future__ import annotations

from dataclasses import dataclass

from features.store.records_store import Store
from features.store.service_store import ServiceStore


@dataclass(frozen=True)
class Site:
    """The stores of one site and the zone its days and intervals are local to.

    Attributes
    ----------
    service:
        Forecasts, rosters (and keys, jobs).
    records:
        Contacts, agent states, agents.
    timezone:
        The site's IANA zone (:attr:`api.settings.Settings.timezone`).
    """

    service: ServiceStore
    records: Store
    timezone: str
