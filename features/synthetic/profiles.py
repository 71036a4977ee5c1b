"""Queue profiles of the demo-centre generator: channel, opening hours, intraday and weekly shape,
handle-time and patience distributions.

The defaults are chosen to look like published call-centre data rather than to be convenient:

- **Intraday shape** — two peaks on voice queues (late morning around 10:00-11:00 and early
  afternoon around 14:00-15:00, the classic "camel" of Brown et al. 2005 and of the fpp2 bank
  series in ``../shared/data``); chat peaks again in the evening; email arrives around the clock
  with office-hour bumps.
- **Weekly shape** — Monday the busiest day (catch-up after the weekend), slowly declining to
  Friday, a quiet Saturday and voice closed on Sunday.
- **Handle time** — log-normal (Brown et al. 2005 found service times of the Anonymous Bank very
  close to log-normal) with means of 4-6 minutes for voice, about 10 minutes for chat (a chat
  agent types and waits) and 8 minutes for email.
- **Patience** — exponential with means of 2.5-4 minutes for voice and 5 minutes for chat; e-mail,
  social-media posts and messaging conversations never abandon (the customer's message waits in
  the thread; they arrive around the clock and are answered when the queue opens).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from features.calendar import WEEKDAYS


@dataclass(frozen=True)
class QueueProfile:
    """How one queue behaves.

    Attributes
    ----------
    name, channel:
        Queue name and channel (voice, chat, email, social or messaging).
    agent_share:
        Share of the agents whose main skill is this queue (weights, normalised over queues).
    open_hours:
        Local opening hours per weekday, ``(start_hour, end_hour)`` or None when closed; agents
        work inside these hours. Voice and chat contacts arrive only while open.
    arrivals_when_closed:
        True for e-mail: contacts also arrive at night and wait for the next opening.
    peaks:
        Intraday shape as Gaussian bumps ``(hour, width_hours, weight)`` over a flat base.
    base:
        Flat share of the intraday shape (relative to a peak of weight 1).
    weekly:
        Relative volume per weekday, Monday first.
    holiday_factor:
        Volume multiplier on public holidays (planners know it, so staffing follows).
    aht_s, aht_cv:
        Mean handle time (talk + hold + after-contact work) in seconds, and its coefficient of
        variation (log-normal).
    acw_share:
        Mean share of the handle time spent in after-contact work.
    patience_s:
        Mean patience in seconds (exponential); None means the channel never abandons.
    transfer_rate:
        Share of handled contacts transferred once.
    csat_response_rate:
        Share of handled contacts that answer the satisfaction survey.
    overflow_s:
        Wait in seconds after which agents with this queue as a second skill may take a
        contact (30 s voice, 60 s chat, 2 hours e-mail).
    """

    name: str
    channel: str
    agent_share: float
    open_hours: dict[str, tuple[float, float] | None]
    peaks: tuple[tuple[float, float, float], ...]
    weekly: tuple[float, float, float, float, float, float, float]
    aht_s: float
    aht_cv: float = 0.8
    acw_share: float = 0.15
    patience_s: float | None = 180.0
    base: float = 0.15
    holiday_factor: float = 0.25
    arrivals_when_closed: bool = False
    transfer_rate: float = 0.05
    csat_response_rate: float = 0.2
    overflow_s: float = 30.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, written to params.json."""
        return asdict(self)


_OFFICE: dict[str, tuple[float, float] | None] = {
    **{d: (8.0, 20.0) for d in WEEKDAYS[:5]},
    "sat": (9.0, 16.0),
    "sun": None,
}
_CHAT_HOURS: dict[str, tuple[float, float] | None] = {d: (8.0, 22.0) for d in WEEKDAYS}
_EMAIL_HOURS: dict[str, tuple[float, float] | None] = {
    **{d: (8.0, 18.0) for d in WEEKDAYS[:5]},
    "sat": (9.0, 14.0),
    "sun": None,
}

CATALOGUE: tuple[QueueProfile, ...] = (
    QueueProfile(
        name="billing",
        channel="voice",
        agent_share=0.34,
        open_hours=_OFFICE,
        peaks=((10.25, 1.3, 1.0), (14.5, 1.5, 0.75)),
        weekly=(1.25, 1.08, 1.0, 0.98, 0.92, 0.45, 0.0),
        aht_s=270.0,
        patience_s=150.0,
        transfer_rate=0.06,
    ),
    QueueProfile(
        name="sales",
        channel="voice",
        agent_share=0.24,
        open_hours=_OFFICE,
        peaks=((11.0, 1.5, 1.0), (16.0, 1.6, 0.85)),
        weekly=(1.15, 1.05, 1.0, 1.0, 0.95, 0.6, 0.0),
        aht_s=360.0,
        aht_cv=0.9,
        patience_s=200.0,
        holiday_factor=0.3,
        transfer_rate=0.04,
    ),
    QueueProfile(
        name="support",
        channel="chat",
        agent_share=0.26,
        open_hours=_CHAT_HOURS,
        peaks=((11.0, 1.6, 0.8), (19.5, 1.5, 1.0)),
        weekly=(1.1, 1.05, 1.0, 1.0, 0.95, 0.75, 0.7),
        aht_s=600.0,
        aht_cv=0.7,
        acw_share=0.08,
        patience_s=300.0,
        holiday_factor=0.6,
        transfer_rate=0.03,
        csat_response_rate=0.3,
        overflow_s=60.0,
    ),
    QueueProfile(
        name="tech",
        channel="email",
        agent_share=0.16,
        open_hours=_EMAIL_HOURS,
        peaks=((9.5, 1.5, 1.0), (14.0, 2.0, 0.7)),
        base=0.12,
        weekly=(1.3, 1.1, 1.0, 1.0, 0.95, 0.4, 0.35),
        aht_s=480.0,
        aht_cv=0.9,
        acw_share=0.1,
        patience_s=None,
        holiday_factor=0.4,
        arrivals_when_closed=True,
        transfer_rate=0.01,
        csat_response_rate=0.1,
        overflow_s=7200.0,
    ),
    QueueProfile(
        name="retention",
        channel="voice",
        agent_share=0.12,
        open_hours=_OFFICE,
        peaks=((10.5, 1.4, 0.9), (15.0, 1.5, 1.0)),
        weekly=(1.2, 1.05, 1.0, 1.0, 0.95, 0.5, 0.0),
        aht_s=420.0,
        patience_s=240.0,
        transfer_rate=0.08,
    ),
    QueueProfile(
        name="orders",
        channel="chat",
        agent_share=0.14,
        open_hours=_CHAT_HOURS,
        peaks=((12.0, 1.5, 0.9), (20.0, 1.5, 1.0)),
        weekly=(1.05, 1.0, 1.0, 1.0, 1.05, 0.9, 0.85),
        aht_s=480.0,
        aht_cv=0.7,
        acw_share=0.08,
        patience_s=300.0,
        holiday_factor=0.8,
        transfer_rate=0.02,
        csat_response_rate=0.3,
        overflow_s=60.0,
    ),
    QueueProfile(
        name="social",
        channel="social",
        agent_share=0.1,
        open_hours=_EMAIL_HOURS,
        peaks=((12.0, 2.0, 0.8), (20.5, 1.8, 1.0)),
        base=0.2,
        weekly=(1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 1.1),
        aht_s=420.0,
        aht_cv=0.8,
        acw_share=0.1,
        patience_s=None,
        holiday_factor=0.9,
        arrivals_when_closed=True,
        transfer_rate=0.05,
        csat_response_rate=0.15,
        overflow_s=1800.0,
    ),
    QueueProfile(
        name="messaging",
        channel="messaging",
        agent_share=0.12,
        open_hours=_OFFICE,
        peaks=((11.5, 1.8, 0.9), (19.0, 1.6, 1.0)),
        base=0.2,
        weekly=(1.1, 1.05, 1.0, 1.0, 1.0, 0.85, 0.8),
        aht_s=360.0,
        aht_cv=0.7,
        acw_share=0.08,
        patience_s=None,
        holiday_factor=0.8,
        arrivals_when_closed=True,
        transfer_rate=0.03,
        csat_response_rate=0.25,
        overflow_s=300.0,
    ),
)


def default_profiles(queues: int) -> list[QueueProfile]:
    """The first `queues` profiles of the catalogue; beyond it, numbered copies (``billing_2``)."""
    profiles = []
    for i in range(queues):
        template = CATALOGUE[i % len(CATALOGUE)]
        round_ = i // len(CATALOGUE)
        name = template.name if round_ == 0 else f"{template.name}_{round_ + 1}"
        profiles.append(replace(template, name=name))
    return profiles
