"""Caller patience estimated from a queue's own records: served and abandoned waits.

A contact that abandoned after waiting ``w`` seconds shows its patience: exactly ``w``. A contact
that was answered after ``w`` seconds only shows that its patience exceeded ``w``: its patience is
right-censored by the service. Dropping the served contacts, or averaging the abandoned waits,
therefore underestimates patience badly (the patient callers are the ones who got served). Two
estimates treat the censoring properly:

- **exponential** (the patience Erlang A assumes): the maximum-likelihood abandonment rate is
  abandonments divided by the total time all contacts spent waiting (the exposure), so the mean
  patience is ``exposure_s / abandoned``; its 95% interval comes from the Poisson count of
  abandonments over that exposure (Garwood's chi-square bounds).
- **Kaplan-Meier** (no shape assumed): the survival function of patience, ``S(t) = P(patience >
  t)``, from :class:`statsmodels.duration.survfunc.SurvfuncRight`; it gives the median patience
  and is what the trace replay samples from.

Brown et al. ("Statistical analysis of a telephone call center", JASA 2005) use the same data and
argument for the Anonymous Bank, whose records :mod:`benchmarks.patience` checks this module on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight

from features.errors import FieldError, InvalidInput
from features.schema import QUEUE
from scheduling.targets import ServiceTargets

WAIT_S: Final = "wait_s"
"""Seconds a contact waited in the queue: until answered, or until it abandoned."""
WAIT_COLUMNS: Final = [QUEUE, "arrived_at", WAIT_S, "abandoned", "handle_s"]
"""Columns of :func:`contact_waits`."""
PATIENCE_COLUMNS: Final = [
    QUEUE,
    "contacts",
    "abandoned",
    "abandon_rate",
    "exposure_s",
    "mean_patience_s",
    "mean_patience_low_s",
    "mean_patience_high_s",
    "median_patience_s",
]
"""Columns of :func:`patience_table`."""

FloatArray = NDArray[np.float64]

MIN_AT_RISK: Final = 50
"""Kaplan-Meier steps need this many contacts still waiting; beyond, an exponential tail."""


def _abandoned_flags(contacts: pd.DataFrame) -> np.ndarray:
    """The `abandoned` flag, derived where missing as "ended without being answered"."""
    answered = (
        contacts["answered_at"].notna().to_numpy()
        if "answered_at" in contacts
        else np.zeros(len(contacts), dtype=bool)
    )
    ended = (
        contacts["ended_at"].notna().to_numpy()
        if "ended_at" in contacts
        else np.zeros(len(contacts), dtype=bool)
    )
    derived = ended & ~answered
    if "abandoned" not in contacts:
        return derived
    given = contacts["abandoned"].astype("boolean")
    return np.asarray(given.fillna(pd.Series(derived, index=contacts.index)), dtype=bool)


def contact_waits(contacts: pd.DataFrame) -> pd.DataFrame:
    """Each contact's wait and outcome, the input of :func:`estimate_patience` and of replays.

    Parameters
    ----------
    contacts:
        Contact records (:data:`features.schema.CONTACT_COLUMNS`): `queue`, `arrived_at`
        (tz-aware) and, where known, `answered_at`, `ended_at`, `abandoned`, `handle_s`.

    Returns
    -------
    pandas.DataFrame
        WAIT_COLUMNS, one row per contact in the input's order: `wait_s` = answered - arrived
        for answered contacts, ended - arrived for abandoned ones (NaN where the instant needed
        is missing); `handle_s` NaN where unknown (abandoned contacts).
    """
    missing = [c for c in (QUEUE, "arrived_at") if c not in contacts.columns]
    if missing:
        raise InvalidInput(
            f"contacts lack columns {missing}",
            [FieldError(None, c, "required column is missing") for c in missing],
        )
    if not isinstance(contacts["arrived_at"].dtype, pd.DatetimeTZDtype):
        raise InvalidInput(
            "arrived_at must hold timezone-aware timestamps",
            [FieldError(None, "arrived_at", "must be timezone-aware timestamps")],
        )
    abandoned = _abandoned_flags(contacts)
    arrived = contacts["arrived_at"]

    def seconds_after_arrival(column: str) -> np.ndarray:
        if column not in contacts:
            return np.full(len(contacts), np.nan)
        delta = (contacts[column] - arrived).dt.total_seconds()
        return delta.to_numpy(dtype=np.float64, na_value=np.nan)

    wait = np.where(
        abandoned, seconds_after_arrival("ended_at"), seconds_after_arrival("answered_at")
    )
    handle = (
        pd.to_numeric(contacts["handle_s"], errors="coerce").to_numpy(dtype=np.float64)
        if "handle_s" in contacts
        else np.full(len(contacts), np.nan)
    )
    frame = pd.DataFrame(
        {
            QUEUE: contacts[QUEUE].astype(str),
            "arrived_at": arrived,
            WAIT_S: np.maximum(wait, 0.0),
            "abandoned": abandoned,
            "handle_s": np.where(abandoned, np.nan, handle),
        },
        index=contacts.index,
        columns=WAIT_COLUMNS,
    )
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class PatienceEstimate:
    """Patience of one queue's contacts, from waits censored by service.

    Attributes
    ----------
    queue:
        The queue.
    contacts:
        Contacts with a known wait.
    abandoned:
        Of those, contacts that abandoned.
    exposure_s:
        Seconds all of them spent waiting (the exposure to abandoning).
    mean_s:
        Exponential maximum-likelihood mean patience, ``exposure_s / abandoned`` (``inf`` when
        nobody abandoned).
    low_s, high_s:
        95% interval of `mean_s`.
    times_s, survival:
        Kaplan-Meier survival of patience: ``S(t) = survival[i]`` for
        ``times_s[i] <= t < times_s[i+1]`` (1 before the first time), up to the last time with
        MIN_AT_RISK contacts still waiting.
    """

    queue: str
    contacts: int
    abandoned: int
    exposure_s: float
    mean_s: float
    low_s: float
    high_s: float
    times_s: FloatArray = field(repr=False)
    survival: FloatArray = field(repr=False)

    @property
    def patience_s(self) -> float | None:
        """Mean patience for :class:`scheduling.requirements.ServiceTargets` (None: nobody
        abandons, Erlang C)."""
        return self.mean_s if np.isfinite(self.mean_s) else None

    def survival_at(self, t_s: np.ndarray | float) -> FloatArray:
        """Kaplan-Meier ``P(patience > t)`` at `t_s` seconds."""
        t = np.asarray(t_s, dtype=np.float64)
        index = np.searchsorted(self.times_s, t, side="right")
        padded = np.concatenate([[1.0], self.survival])
        return np.asarray(padded[index], dtype=np.float64)

    def median_s(self) -> float:
        """Median patience, seconds: where the Kaplan-Meier curve falls to one half, or past its
        last step on the exponential tail (NaN when nobody abandons)."""
        below = np.flatnonzero(self.survival <= 0.5)
        if below.size:
            return float(self.times_s[below[0]])
        if not np.isfinite(self.mean_s):
            return float("nan")
        last_t = float(self.times_s[-1]) if self.times_s.size else 0.0
        last_s = float(self.survival[-1]) if self.survival.size else 1.0
        return last_t + self.mean_s * float(np.log(last_s / 0.5))

    def sample_beyond(
        self, waited_s: np.ndarray, rng: np.random.Generator, method: str = "kaplan_meier"
    ) -> FloatArray:
        """Patience of contacts known to have waited `waited_s` seconds without abandoning.

        Parameters
        ----------
        waited_s:
            Seconds each contact waited before it was answered (its patience exceeds it).
        rng:
            Random generator.
        method:
            ``"exponential"``: ``wait + Exp(mean_s)`` (memoryless, as Erlang A assumes);
            ``"kaplan_meier"``: from the survival curve conditional on exceeding the wait
            (``P(patience > t | > w) = S(t) / S(w)``), continued past the last observed time by
            the exponential tail of mean `mean_s`.

        Returns
        -------
        numpy.ndarray
            Patience in seconds, > `waited_s` (``inf`` when nobody in the queue abandons).
        """
        wait = np.asarray(waited_s, dtype=np.float64)
        if not np.isfinite(self.mean_s):
            return np.full(wait.shape, np.inf)
        uniform = 1.0 - rng.random(wait.shape)
        if method == "exponential":
            return np.asarray(wait - self.mean_s * np.log(uniform), dtype=np.float64)
        if method != "kaplan_meier":
            raise InvalidInput(
                f"unknown patience sampling method {method!r}",
                [FieldError(None, "method", "must be exponential or kaplan_meier", method)],
            )
        target = uniform * self.survival_at(wait)
        # survival is non-increasing: the first time at or below the target is the draw.
        descending = -self.survival
        index = np.searchsorted(descending, -target, side="left")
        inside = index < self.times_s.size
        drawn = np.empty(wait.shape)
        drawn[inside] = self.times_s[index[inside]]
        last_t = float(self.times_s[-1]) if self.times_s.size else 0.0
        last_s = float(self.survival[-1]) if self.survival.size else 1.0
        tail = ~inside
        start = np.maximum(wait[tail], last_t)
        base = np.minimum(self.survival_at(start), last_s)
        drawn[tail] = start - self.mean_s * np.log(np.clip(target[tail] / base, 1e-300, 1.0))
        return np.asarray(np.maximum(drawn, np.nextafter(wait, np.inf)), dtype=np.float64)


def _interval(abandoned: int, exposure_s: float, level: float = 0.95) -> tuple[float, float]:
    """Garwood bounds on the mean patience from `abandoned` events over `exposure_s`."""
    alpha = 1.0 - level
    if exposure_s <= 0:
        return float("nan"), float("nan")
    rate_low = stats.chi2.ppf(alpha / 2.0, 2 * abandoned) / (2.0 * exposure_s) if abandoned else 0.0
    rate_high = stats.chi2.ppf(1.0 - alpha / 2.0, 2 * abandoned + 2) / (2.0 * exposure_s)
    low = 1.0 / rate_high
    high = 1.0 / rate_low if rate_low > 0 else float("inf")
    return float(low), float(high)


def _kaplan_meier(
    wait: np.ndarray, abandoned: np.ndarray, min_at_risk: int
) -> tuple[FloatArray, FloatArray]:
    """Kaplan-Meier steps while at least MIN_AT_RISK contacts are still waiting; past that the
    curve rests on a handful of callers (and drops to zero at a last abandonment), so the
    exponential tail takes over (see :meth:`PatienceEstimate.sample_beyond`); `min_at_risk`
    defaults to MIN_AT_RISK."""
    if not abandoned.any():
        return np.zeros(0), np.zeros(0)
    curve = SurvfuncRight(wait, abandoned.astype(np.int64))
    keep = np.asarray(curve.n_risk) >= min_at_risk
    return (
        np.asarray(curve.surv_times, dtype=np.float64)[keep],
        np.asarray(curve.surv_prob, dtype=np.float64)[keep],
    )


def estimate_patience(
    contacts: pd.DataFrame, min_at_risk: int = MIN_AT_RISK
) -> dict[str, PatienceEstimate]:
    """Patience per queue from contact records (or from :func:`contact_waits` rows).

    Parameters
    ----------
    contacts:
        Contact records (see :func:`contact_waits`), or rows that already carry `queue`,
        `wait_s` (seconds) and `abandoned`. Contacts without a known wait are left out.
    min_at_risk:
        Kaplan-Meier steps are kept while at least this many contacts are still waiting.

    Returns
    -------
    dict[str, PatienceEstimate]
        One estimate per queue (sorted by name).

    Examples
    --------
    >>> import pandas as pd
    >>> waits = pd.DataFrame({"queue": "q", "wait_s": [10.0, 30.0, 60.0, 20.0],
    ...                       "abandoned": [True, False, True, False]})
    >>> estimate_patience(waits)["q"].mean_s   # 120 s of waiting, 2 abandonments
    60.0
    """
    waits = contacts if WAIT_S in contacts.columns else contact_waits(contacts)
    known = waits[np.isfinite(waits[WAIT_S].to_numpy(dtype=np.float64))]
    estimates: dict[str, PatienceEstimate] = {}
    for queue, part in known.groupby(known[QUEUE].astype(str), sort=True):
        wait = part[WAIT_S].to_numpy(dtype=np.float64)
        gone = part["abandoned"].to_numpy(dtype=bool)
        exposure = float(wait.sum())
        count = int(gone.sum())
        mean = exposure / count if count else float("inf")
        low, high = _interval(count, exposure)
        times, survival = _kaplan_meier(wait, gone, min_at_risk)
        estimates[str(queue)] = PatienceEstimate(
            queue=str(queue),
            contacts=int(wait.size),
            abandoned=count,
            exposure_s=exposure,
            mean_s=mean,
            low_s=low,
            high_s=high,
            times_s=times,
            survival=survival,
        )
    return estimates


def patience_table(estimates: Mapping[str, PatienceEstimate]) -> pd.DataFrame:
    """The estimates as a frame (PATIENCE_COLUMNS), one row per queue; seconds throughout."""
    rows = [
        {
            QUEUE: e.queue,
            "contacts": e.contacts,
            "abandoned": e.abandoned,
            "abandon_rate": e.abandoned / e.contacts if e.contacts else float("nan"),
            "exposure_s": e.exposure_s,
            "mean_patience_s": e.mean_s,
            "mean_patience_low_s": e.low_s,
            "mean_patience_high_s": e.high_s,
            "median_patience_s": e.median_s(),
        }
        for e in estimates.values()
    ]
    return pd.DataFrame(rows, columns=PATIENCE_COLUMNS)


def with_patience(
    targets: Mapping[str, ServiceTargets], estimates: Mapping[str, PatienceEstimate]
) -> dict[str, ServiceTargets]:
    """Each live queue's targets with its estimated mean patience (Erlang A from then on).

    Parameters
    ----------
    targets:
        Queue -> service targets.
    estimates:
        Queue -> :class:`PatienceEstimate` (:func:`estimate_patience`).

    Returns
    -------
    dict[str, ServiceTargets]
        The targets, `patience_s` set from the estimate where the queue is live (voice, chat) and
        somebody abandoned; deferred queues and queues without an estimate unchanged.
    """
    out = dict(targets)
    for queue, target in targets.items():
        estimate = estimates.get(queue)
        if estimate is not None and not target.deferred and estimate.patience_s is not None:
            out[queue] = replace(target, patience_s=estimate.patience_s)
    return out
