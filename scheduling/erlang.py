"""Erlang B, C and A as vectorised numpy functions, stable for any realistic load.

Every function broadcasts its array arguments against each other, so one call evaluates a whole
requirement table. Probabilities are computed in log space with the regularised incomplete gamma
functions of :mod:`scipy.special`; where those underflow (far from the mode) a short convergent
series takes over, so 5,000 contacts per 30 minutes at 300 s handle time (833 Erlangs) and far
beyond work without overflow or loss of precision.

Units: rates are contacts per second, times (handle time, patience, threshold, ASA) are seconds,
the offered load is in Erlangs (arrival rate x handle time), agents are counts.

Erlang A is the M/M/n+M queue (Palm; Garnett, Mandelbaum and Reiman 2002) with exponential
patience. Its measures follow Mandelbaum and Zeltyn, "The M/M/n+G queue: summary of performance
measures": with ``x = n * aht / patience`` and ``y = arrival_rate * patience``,
``J = x e^y y^-x gamma(x, y)`` (lower incomplete gamma), ``P(wait) = J E / (1 + (J - 1) E)`` with
``E`` Erlang B, ``P(abandon) = P(wait) (1 - 1/rho + 1/(rho J))`` and the offered wait density
``n mu pi_n exp(y (1 - e^{-theta s}) - n mu s)``, integrated in closed form for the service level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]

_TINY = 1e-280
"""Below this a regularised incomplete gamma value is recomputed by series in log space."""
_SERIES_MAX_TERMS = 200_000
_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(64)


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state measures of a queue, one array element per cell.

    Attributes
    ----------
    p_wait:
        Probability that an arriving contact waits at all (all agents busy).
    p_abandon:
        Probability that an arriving contact abandons (0 without patience).
    service_level:
        Share of offered contacts answered within the threshold (abandoned ones are misses).
    asa_s:
        Mean wait of answered contacts in seconds, zero waits included (average speed of answer).
    occupancy:
        Share of agent time spent handling contacts (0..1).
    """

    p_wait: FloatArray
    p_abandon: FloatArray
    service_level: FloatArray
    asa_s: FloatArray
    occupancy: FloatArray


def _as_float(value: ArrayLike) -> FloatArray:
    return np.asarray(value, dtype=np.float64)


def log_gamma_p(s: ArrayLike, v: ArrayLike) -> FloatArray:
    """Natural log of the regularised lower incomplete gamma function P(s, v).

    Parameters
    ----------
    s:
        Shape, > 0.
    v:
        Upper limit of integration, >= 0.

    Returns
    -------
    numpy.ndarray
        ``log P(s, v)``; ``-inf`` where ``v == 0``. Accurate where P underflows double precision:
        there ``v < s`` and the series ``e^-v v^s / Gamma(s+1) * sum_k v^k / prod_{i<=k}(s+i)``
        converges geometrically.
    """
    s_arr, v_arr = np.broadcast_arrays(_as_float(s), _as_float(v))
    with np.errstate(divide="ignore"):
        out = np.array(np.log(special.gammainc(s_arr, v_arr)), dtype=np.float64)
    small = (out < np.log(_TINY)) & (v_arr > 0)
    if small.any():
        ss, vv = s_arr[small], v_arr[small]
        total = np.ones_like(ss)
        term = np.ones_like(ss)
        active = np.ones(ss.shape, dtype=bool)
        for k in range(1, _SERIES_MAX_TERMS):
            term = np.where(active, term * vv / (ss + k), 0.0)
            total += term
            active &= term > 1e-17 * total
            if not active.any():
                break
        out[small] = -vv + ss * np.log(vv) - special.gammaln(ss + 1.0) + np.log(total)
    return out


def log_poisson_cdf(n: ArrayLike, mean: ArrayLike) -> FloatArray:
    """Natural log of P(X <= n) for X ~ Poisson(mean), n a non-negative integer count.

    Uses ``gammaincc(n + 1, mean)``; where that underflows (``mean`` far above ``n``) the finite
    sum ``e^-m m^n / n! * sum_j n! / ((n - j)! m^j)`` is used instead.
    """
    n_arr, m_arr = np.broadcast_arrays(_as_float(n), _as_float(mean))
    with np.errstate(divide="ignore"):
        out = np.array(np.log(special.gammaincc(n_arr + 1.0, m_arr)), dtype=np.float64)
    small = (out < np.log(_TINY)) & (m_arr > 0)
    if small.any():
        nn, mm = n_arr[small], m_arr[small]
        total = np.ones_like(nn)
        term = np.ones_like(nn)
        active = nn > 0
        for j in range(1, _SERIES_MAX_TERMS):
            term = np.where(active, term * np.maximum(nn - (j - 1), 0.0) / mm, 0.0)
            total += term
            active &= (term > 1e-17 * total) & (nn - j > 0)
            if not active.any():
                break
        out[small] = -mm + nn * np.log(mm) - special.gammaln(nn + 1.0) + np.log(total)
    return out


def log_erlang_b(agents: ArrayLike, load: ArrayLike) -> FloatArray:
    """Natural log of the Erlang B blocking probability.

    Parameters
    ----------
    agents:
        Number of agents (servers), integer-valued, >= 0.
    load:
        Offered load in Erlangs (arrival rate x handle time), >= 0.
    """
    n, a = np.broadcast_arrays(_as_float(agents), _as_float(load))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pmf = n * np.log(a) - a - special.gammaln(n + 1.0)
        out = log_pmf - log_poisson_cdf(n, a)
    out = np.where(a == 0, np.where(n == 0, 0.0, -np.inf), out)
    return np.asarray(np.minimum(out, 0.0), dtype=np.float64)


def erlang_b(agents: ArrayLike, load: ArrayLike) -> FloatArray:
    """Erlang B: probability that a contact finds all `agents` busy in a loss system.

    Parameters
    ----------
    agents:
        Number of agents, integer-valued, >= 0.
    load:
        Offered load in Erlangs, >= 0.
    """
    return np.exp(log_erlang_b(agents, load))


def erlang_c(agents: ArrayLike, load: ArrayLike) -> FloatArray:
    """Erlang C: probability that a contact waits (M/M/n, no abandonment).

    Parameters
    ----------
    agents:
        Number of agents, integer-valued, >= 0.
    load:
        Offered load in Erlangs, >= 0. Where ``agents <= load`` the queue is unstable and the
        probability is 1 (0 when the load is 0).
    """
    n, a = np.broadcast_arrays(_as_float(agents), _as_float(load))
    blocking = erlang_b(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = a / n
        waiting = blocking / (1.0 - rho * (1.0 - blocking))
    waiting = np.where(n > a, waiting, 1.0)
    return np.asarray(np.where(a == 0, 0.0, np.clip(waiting, 0.0, 1.0)), dtype=np.float64)


def erlang_c_metrics(
    agents: ArrayLike, arrival_rate: ArrayLike, aht_s: ArrayLike, threshold_s: ArrayLike
) -> QueueMetrics:
    """Erlang C measures (M/M/n): waiting probability, service level, ASA and occupancy.

    Parameters
    ----------
    agents:
        Agents on the queue, integer-valued, >= 0.
    arrival_rate:
        Contacts per second, >= 0.
    aht_s:
        Mean handle time in seconds, > 0.
    threshold_s:
        Service-level threshold in seconds, >= 0.

    Returns
    -------
    QueueMetrics
        Service level ``1 - C e^{-(n - a) t / aht}``, ASA ``C aht / (n - a)``, occupancy ``a / n``.
        Unstable cells (``agents <= load``) get service level 0, ASA ``inf`` and occupancy 1.
    """
    n, lam, aht, t = np.broadcast_arrays(
        _as_float(agents), _as_float(arrival_rate), _as_float(aht_s), _as_float(threshold_s)
    )
    a = lam * aht
    p_wait = erlang_c(n, a)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        service_level = 1.0 - p_wait * np.exp(-(n - a) * t / aht)
        asa = p_wait * aht / (n - a)
        occupancy = a / n
    idle = a == 0
    service_level = np.where(stable, service_level, 0.0)
    asa = np.where(stable, asa, np.inf)
    occupancy = np.where(stable, occupancy, 1.0)
    return QueueMetrics(
        p_wait=p_wait,
        p_abandon=np.zeros_like(p_wait),
        service_level=np.where(idle, 1.0, np.clip(service_level, 0.0, 1.0)),
        asa_s=np.where(idle, 0.0, asa),
        occupancy=np.where(idle, 0.0, occupancy),
    )


def _scaled_integral_p_over_v(
    s: FloatArray, upper: FloatArray, log_scale: FloatArray
) -> FloatArray:
    """``exp(-log_scale) * int_0^upper P(s, v) / v dv`` for s >= 1, by Gauss-Legendre.

    The integrand only matters in a window below `upper`: P(s, v) rises from ~0 to ~1 within
    ``s +- 12 sqrt(s)``, and below ``s`` its log is concave with slope at least
    ``(s - 1 - v) / v``, so ``60 upper / (s - 1 - upper)`` below `upper` it has fallen by e^-60.
    Above the bulk the integrand is ``1 / v`` and is integrated exactly.
    """
    bulk_lo = np.maximum(s - 12.0 * np.sqrt(s) - 5.0, 0.0)
    decay_lo = upper - 60.0 * upper / np.maximum(s - 1.0 - upper, 1.0)
    lo = np.maximum(np.minimum(bulk_lo, decay_lo), 0.0)
    hi = s + 12.0 * np.sqrt(s) + 40.0
    top = np.minimum(upper, hi)
    width = np.maximum(top - lo, 0.0)
    nodes = lo[..., None] + (width[..., None] / 2.0) * (_GAUSS_NODES + 1.0)
    s_nodes = np.broadcast_to(s[..., None], nodes.shape)
    positive = nodes > 0
    values = np.zeros(nodes.shape)
    log_p = log_gamma_p(s_nodes[positive], nodes[positive])
    scale = np.broadcast_to(log_scale[..., None], nodes.shape)[positive]
    values[positive] = np.exp(log_p - scale) / nodes[positive]
    bulk = (width / 2.0) * (values @ _GAUSS_WEIGHTS)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tail = np.where(upper > hi, (np.log(upper) - np.log(hi)) * np.exp(-log_scale), 0.0)
    return np.asarray(bulk + tail, dtype=np.float64)


def erlang_a_metrics(
    agents: ArrayLike,
    arrival_rate: ArrayLike,
    aht_s: ArrayLike,
    patience_s: ArrayLike,
    threshold_s: ArrayLike,
    with_asa: bool = True,
) -> QueueMetrics:
    """Erlang A measures (M/M/n+M): exponential handle times and exponential patience.

    Parameters
    ----------
    agents:
        Agents on the queue, integer-valued, >= 0.
    arrival_rate:
        Contacts per second, >= 0.
    aht_s:
        Mean handle time in seconds, > 0.
    patience_s:
        Mean patience in seconds (a waiting contact abandons at rate ``1 / patience_s``), > 0.
    threshold_s:
        Service-level threshold in seconds, >= 0.
    with_asa:
        Compute the ASA (a quadrature, the costliest part); when False `asa_s` is NaN.

    Returns
    -------
    QueueMetrics
        ``p_wait`` and ``p_abandon`` per arriving contact; ``service_level`` = P(answered within
        the threshold) over all offered contacts; ``asa_s`` = mean wait of answered contacts;
        ``occupancy`` = answered load / agents. The queue is always stable; with no agents every
        contact abandons (service level 0, ASA NaN).
    """
    n, lam, aht, patience, t = np.broadcast_arrays(
        _as_float(agents),
        _as_float(arrival_rate),
        _as_float(aht_s),
        _as_float(patience_s),
        _as_float(threshold_s),
    )
    shape = n.shape
    p_wait = np.ones(shape)
    p_abandon = np.ones(shape)
    service_level = np.zeros(shape)
    asa = np.full(shape, np.nan)
    occupancy = np.zeros(shape)
    idle = lam == 0
    p_wait[idle], p_abandon[idle], service_level[idle], asa[idle] = 0.0, 0.0, 1.0, 0.0
    cells = (~idle) & (n > 0)
    if cells.any():
        nn, ll, hh, pp, tt = n[cells], lam[cells], aht[cells], patience[cells], t[cells]
        x = nn * pp / hh
        y = ll * pp
        log_x, log_y = np.log(x), np.log(y)
        log_e = log_erlang_b(nn, ll * hh)
        log_p_x = log_gamma_p(x, y)
        log_j = log_x + y - x * log_y + special.gammaln(x) + log_p_x
        with np.errstate(divide="ignore"):
            log_not_e = np.log1p(-np.exp(log_e))
        pw = special.expit(log_j + log_e - log_not_e)
        inv_rho = x / y
        pab = pw * (1.0 - inv_rho + np.exp(log_x - log_y - log_j))
        pab = np.clip(pab, 0.0, 1.0)
        log_p_x1 = log_gamma_p(x + 1.0, y)
        y_t = y * np.exp(-tt / pp)
        log_p_x1_t = log_gamma_p(x + 1.0, y_t)
        within_if_wait = np.exp(log_x - log_y + log_p_x1 - log_p_x) * -np.expm1(
            np.minimum(log_p_x1_t - log_p_x1, 0.0)
        )
        sl = (1.0 - pw) + pw * within_if_wait
        answered = 1.0 - pab
        if with_asa:
            integral = _scaled_integral_p_over_v(x + 1.0, y, log_p_x)
            wait_answered = pw * np.exp(log_x - log_y) * pp * integral
            with np.errstate(divide="ignore", invalid="ignore"):
                asa[cells] = np.where(answered > 0, wait_answered / answered, np.nan)
        p_wait[cells] = pw
        p_abandon[cells] = pab
        service_level[cells] = np.clip(sl, 0.0, 1.0)
        occupancy[cells] = np.minimum(ll * hh * answered / nn, 1.0)
    return QueueMetrics(
        p_wait=p_wait,
        p_abandon=p_abandon,
        service_level=service_level,
        asa_s=asa,
        occupancy=occupancy,
    )


def queue_metrics(
    agents: ArrayLike,
    arrival_rate: ArrayLike,
    aht_s: ArrayLike,
    threshold_s: ArrayLike,
    patience_s: ArrayLike | None = None,
    with_asa: bool = True,
) -> QueueMetrics:
    """Erlang A where a cell has a finite patience, Erlang C elsewhere.

    Parameters
    ----------
    agents, arrival_rate, aht_s, threshold_s:
        As in :func:`erlang_c_metrics` (agents, contacts per second, seconds, seconds).
    patience_s:
        Mean patience in seconds per cell; NaN, ``inf`` or None means no abandonment.
    with_asa:
        When False the Erlang A cells' ASA (a quadrature) is skipped and left NaN.
    """
    n, lam, aht, t = np.broadcast_arrays(
        _as_float(agents), _as_float(arrival_rate), _as_float(aht_s), _as_float(threshold_s)
    )
    erlang_c_part = erlang_c_metrics(n, lam, aht, t)
    if patience_s is None:
        return erlang_c_part
    patience = np.broadcast_to(_as_float(patience_s), n.shape)
    finite = np.isfinite(patience) & (patience > 0)
    if not finite.any():
        return erlang_c_part
    a_part = erlang_a_metrics(
        n[finite], lam[finite], aht[finite], patience[finite], t[finite], with_asa=with_asa
    )
    fields = {}
    for name in ("p_wait", "p_abandon", "service_level", "asa_s", "occupancy"):
        merged = np.array(getattr(erlang_c_part, name), dtype=np.float64, copy=True)
        merged[finite] = getattr(a_part, name)
        fields[name] = merged
    return QueueMetrics(**fields)


def shared_pool_abandonment(
    agents: int,
    arrival_rate: float,
    aht_s: float,
    pool_patience_s: float,
    class_patience_s: ArrayLike,
) -> FloatArray:
    """Abandonment of each customer class sharing one Erlang A pool served first come, first
    served (several queues answered by the same agents, each with its own patience).

    The pool is the M/M/n+M birth-death chain with the pool's mean patience (its abandonment
    rate per waiting customer is ``1 / pool_patience_s``). A tagged customer arriving to find
    ``n + m`` in the system has ``m`` customers ahead, who leave at rate ``n / aht + m' /
    pool_patience`` as ``m'`` falls to 0; its offered wait ``V`` is the time until the last of them
    has gone and an agent frees up. With exponential patience of mean ``t_c`` the class abandons
    with probability ``P(patience < V) = (1/t_c) p0' (I/t_c - Q)^-1 1`` (``p0`` the arrival
    distribution of ``m``, ``Q`` the sub-generator of ``m``).

    Parameters
    ----------
    agents:
        Agents in the pool, >= 1.
    arrival_rate:
        Contacts per second of all classes together, > 0.
    aht_s:
        Mean handle time of all classes, seconds.
    pool_patience_s:
        Mean patience of the pool, seconds: the arrival-weighted mean of the classes'
        abandonment rates, ``1 / sum_c (lambda_c / lambda) / t_c`` (which the simulator confirms
        within a point of abandonment for classes of 60 s and 300 s patience).
    class_patience_s:
        Each class's mean patience, seconds.

    Returns
    -------
    numpy.ndarray
        ``P(abandon)`` per class.
    """
    from scipy import linalg

    n = int(agents)
    theta = 1.0 / pool_patience_s
    mu = 1.0 / aht_s
    waiting_mean = arrival_rate * pool_patience_s
    depth = int(min(max(np.ceil(waiting_mean + 12.0 * np.sqrt(waiting_mean) + 60.0), 60), 20_000))
    k = np.arange(1, n + depth + 1, dtype=np.float64)
    deaths = np.minimum(k, n) * mu + np.maximum(k - n, 0.0) * theta
    log_p = np.concatenate([[0.0], np.cumsum(np.log(arrival_rate) - np.log(deaths))])
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    arriving = p[n:]
    ahead = np.arange(depth + 1, dtype=np.float64)
    rates = n * mu + ahead * theta
    banded = np.zeros((2, depth + 1))
    banded[1, :-1] = -rates[1:]
    out = []
    for patience in np.atleast_1d(np.asarray(class_patience_s, dtype=np.float64)):
        rate = 1.0 / patience
        banded[0] = rate + rates
        # (I/t_c - Q) is lower bidiagonal: one banded solve per class.
        survival = linalg.solve_banded((1, 0), banded, np.ones(depth + 1))
        out.append(rate * float(arriving @ survival))
    return np.clip(np.asarray(out, dtype=np.float64), 0.0, 1.0)
