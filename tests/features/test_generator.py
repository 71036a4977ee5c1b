"""The demo-centre generator: statistical shape of the data, internal consistency, determinism."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from features.errors import InvalidInput
from features.measures.intervals import build_intervals
from features.records.frame_io import read_frame
from features.records.validation import validate_agent_states, validate_agents, validate_contacts
from features.synthetic.generator import (
    Anomaly,
    Centre,
    GeneratorSettings,
    generate_centre,
    write_centre,
)

TZ = "Europe/Berlin"


@pytest.fixture(scope="module")
def centre() -> Centre:
    began = time.perf_counter()
    generated = generate_centre(seed=7)
    generated.params["elapsed_s"] = time.perf_counter() - began
    return generated


@pytest.fixture(scope="module")
def easter() -> Centre:
    return generate_centre(weeks=2, start="2026-03-30", agents=40, seed=3)


def test_default_demo_is_recent_fast_and_complete(centre: Centre) -> None:
    assert centre.params["elapsed_s"] < 20.0
    contacts = centre.contacts
    assert 30_000 < len(contacts) < 150_000
    first, last = contacts["arrived_at"].min(), contacts["arrived_at"].max()
    assert first >= pd.Timestamp("2026-10-12", tz=TZ)
    assert last < pd.Timestamp("2026-11-23", tz=TZ)
    assert str(contacts["arrived_at"].dt.tz) == TZ
    channels = contacts.groupby("queue")["channel"].first().to_dict()
    assert channels == {"billing": "voice", "sales": "voice", "support": "chat", "tech": "email"}
    assert contacts["contact_id"].is_unique
    assert len(centre.agents) == 60
    assert centre.params["seed"] == 7 and centre.params["timezone"] == TZ
    # the period holds the fall-back day: 100 fifteen-minute intervals on 2026-10-25
    grid = centre.rates[centre.rates["queue"] == "billing"]["interval_start"]
    assert (grid.dt.date == pd.Timestamp("2026-10-25").date()).sum() == 100


def test_records_pass_the_store_validation(centre: Centre) -> None:
    assert len(validate_contacts(centre.contacts)) == len(centre.contacts)
    assert len(validate_agent_states(centre.agent_states)) == len(centre.agent_states)
    assert len(validate_agents(centre.agents)) == 60


def billing_counts(centre: Centre) -> pd.DataFrame:
    history = build_intervals(centre.contacts, timezone=TZ, fill_closed=True)
    rates = centre.rates[centre.rates["queue"] == "billing"]
    counts = history[history["queue"] == "billing"][["interval_start", "offered"]]
    return rates.merge(counts, on="interval_start", how="left").fillna({"offered": 0})


def test_counts_are_poisson_given_the_rate(centre: Centre) -> None:
    table = billing_counts(centre)
    busy = table[table["rate"] > 2]
    pearson = ((busy["offered"] - busy["rate"]) ** 2 / busy["rate"]).mean()
    assert 0.85 < pearson < 1.15


def test_daily_totals_are_over_dispersed(centre: Centre) -> None:
    table = billing_counts(centre)
    table["day"] = table["interval_start"].dt.date
    daily = table.groupby("day")[["offered", "planned"]].sum()
    daily = daily[daily["planned"] > 100]
    dispersion = ((daily["offered"] - daily["planned"]) ** 2 / daily["planned"]).mean()
    assert dispersion > 3.0, f"daily index of dispersion {dispersion:.1f} looks Poisson"


def test_two_intraday_peaks(centre: Centre) -> None:
    voice = centre.contacts[centre.contacts["queue"] == "billing"]
    local = voice["arrived_at"]
    weekday = voice[local.dt.day_of_week < 5]
    per_half_hour = (
        weekday["arrived_at"].dt.hour * 2 + weekday["arrived_at"].dt.minute // 30
    ).value_counts()
    profile = per_half_hour.sort_index()
    morning = profile.loc[16:24]  # 08:00-12:00
    afternoon = profile.loc[27:34]  # 13:30-17:00
    trough = profile.loc[int(morning.idxmax()) : int(afternoon.idxmax())].min()
    assert 18 <= morning.idxmax() <= 23
    assert 27 <= afternoon.idxmax() <= 32
    assert trough < 0.9 * afternoon.max() and trough < 0.9 * morning.max()


def test_weekend_and_holiday_dips(centre: Centre, easter: Centre) -> None:
    voice = centre.contacts[centre.contacts["queue"] == "billing"]
    days = voice.groupby(voice["arrived_at"].dt.date).size()
    weekday = pd.Series([pd.Timestamp(d).day_of_week for d in days.index], index=days.index)
    assert days[weekday == 5].mean() < 0.6 * days[weekday < 5].mean()
    assert (weekday == 6).sum() == 0  # voice closed on Sunday
    chat = centre.contacts[centre.contacts["queue"] == "support"]
    assert chat["arrived_at"].dt.day_of_week.eq(6).any()
    easter_voice = easter.contacts[easter.contacts["queue"] == "billing"]
    per_day = easter_voice.groupby(easter_voice["arrived_at"].dt.date).size()
    holidays = [pd.Timestamp("2026-04-03").date(), pd.Timestamp("2026-04-06").date()]
    ordinary = [d for d in per_day.index if d not in holidays and pd.Timestamp(d).day_of_week < 5]
    assert per_day[holidays].max() < 0.45 * per_day[ordinary].mean()


def test_abandonment_and_waits(centre: Centre) -> None:
    contacts = centre.contacts
    rate = contacts.groupby("queue")["abandoned"].mean()
    assert 0.005 < rate["billing"] < 0.2
    assert 0.005 < rate["support"] < 0.3
    assert rate["tech"] == 0.0
    abandoned = contacts[contacts["abandoned"]]
    assert abandoned["answered_at"].isna().all() and abandoned["agent_id"].isna().all()
    assert (abandoned["ended_at"] > abandoned["arrived_at"]).all()
    history = build_intervals(contacts, timezone=TZ, sl_threshold_s={"tech": 86400.0})
    sl = history.groupby("queue").apply(
        lambda h: (h["service_level"] * h["offered"]).sum() / h["offered"].sum()
    )
    assert 0.5 < sl["billing"] < 0.99


def test_handle_times_are_lognormal(centre: Centre) -> None:
    handled = centre.contacts[centre.contacts["queue"] == "billing"]["handle_s"].dropna()
    assert handled.mean() == pytest.approx(270.0, rel=0.05)
    assert stats.skew(handled) > 1.0
    assert abs(stats.skew(np.log(handled))) < 0.25
    parts = centre.contacts[["talk_s", "hold_s", "acw_s"]].sum(axis=1, min_count=1)
    both = centre.contacts["handle_s"].notna()
    assert np.allclose(parts[both], centre.contacts.loc[both, "handle_s"])
    email = centre.contacts[centre.contacts["queue"] == "tech"]["handle_s"].dropna()
    assert email.mean() == pytest.approx(480.0, rel=0.06)


def test_agents_states_and_contacts_agree(centre: Centre) -> None:
    contacts = centre.contacts
    handled = contacts[contacts["answered_at"].notna()]
    agents = {a["agent_id"]: a for a in centre.agents}
    assert handled["agent_id"].notna().all()
    assert set(handled["agent_id"]) <= set(agents)
    pairs = list(zip(handled["agent_id"], handled["queue"], strict=True))
    assert all(q in agents[a]["skills"] for a, q in pairs)
    # second-skill agents (proficiency 2-3) take overflow, main-skill agents most contacts
    by_second_skill = np.mean([agents[a]["skills"][q] <= 3 for a, q in pairs])
    assert 0.001 < by_second_skill < 0.2
    states = centre.agent_states.sort_values(["agent_id", "started_at"], ignore_index=True)
    on_contact = states[states["state"] == "on_contact"]
    joined = handled.merge(
        on_contact,
        left_on=["agent_id", "answered_at"],
        right_on=["agent_id", "started_at"],
        how="left",
    )
    assert joined["state"].notna().all()
    talk = (joined["ended_at_y"] - joined["started_at"]).dt.total_seconds()
    assert np.allclose(talk, joined["talk_s"] + joined["hold_s"])
    same_agent = states["agent_id"].eq(states["agent_id"].shift())
    assert (states["started_at"][same_agent] == states["ended_at"].shift()[same_agent]).all()
    assert set(states["state"]) == {
        "available",
        "on_contact",
        "acw",
        "break",
        "lunch",
        "offline",
    }
    occupancy = build_intervals(contacts, timezone=TZ, agent_states=centre.agent_states)
    values = occupancy["occupancy"].dropna()
    assert len(values) > 0.8 * len(occupancy)
    assert 0.3 < values.mean() < 0.95


def test_agents_work_as_their_records_say(centre: Centre) -> None:
    agents = {a["agent_id"]: a for a in centre.agents}
    ordered = centre.agent_states.sort_values(["agent_id", "started_at"], ignore_index=True)
    after_offline = ordered["state"].shift().eq("offline") & ordered["agent_id"].eq(
        ordered["agent_id"].shift()
    )
    states = ordered[after_offline & (ordered["state"] != "offline")]  # logins: shift starts
    assert len(states) > 1000
    started = states["started_at"]
    day = started.dt.strftime("%a").str.lower()
    clock = started.dt.strftime("%H:%M")
    for agent_id, weekday, at, date in zip(
        states["agent_id"], day, clock, started.dt.date.astype(str), strict=True
    ):
        record = agents[agent_id]
        window = record["availability"].get(weekday)
        assert window is not None and window[0][0] <= at, (agent_id, weekday, at)
        assert weekday not in record["preferences"]["days_off"]
        assert date not in record["time_off"]
    shifts = states.groupby(["agent_id", started.dt.date]).size()
    per_week = shifts.groupby(
        [shifts.index.get_level_values(0), pd.to_datetime(shifts.index.get_level_values(1))
         .to_period("W")]
    ).size()  # fmt: skip
    assert per_week.max() <= 5
    on_vacation = [a for a in centre.agents if a["time_off"]]
    assert 0.1 < len(on_vacation) / len(centre.agents) < 0.5


def test_csat_sentiment_and_transfers(centre: Centre) -> None:
    contacts = centre.contacts
    csat = contacts["csat"].dropna()
    assert 0.05 < len(csat) / contacts["answered_at"].notna().sum() < 0.4
    assert set(csat.unique()) <= {1, 2, 3, 4, 5}
    assert contacts["sentiment"].dropna().between(-1, 1).all()
    transferred = contacts["transfers"].fillna(0) > 0
    assert 0.01 < transferred.mean() < 0.1
    scored = contacts.dropna(subset=["csat"])
    waits = (scored["answered_at"] - scored["arrived_at"]).dt.total_seconds()
    assert scored.loc[waits > 120, "csat"].mean() < scored.loc[waits < 10, "csat"].mean()


def test_deterministic_by_seed() -> None:
    small = {"weeks": 1, "queues": 2, "agents": 12, "start": "2026-06-01"}
    one, two = generate_centre(seed=5, **small), generate_centre(seed=5, **small)
    pd.testing.assert_frame_equal(one.contacts, two.contacts)
    pd.testing.assert_frame_equal(one.agent_states, two.agent_states)
    assert one.agents == two.agents and one.params == two.params
    other = generate_centre(seed=6, **small)
    assert len(other.contacts) != len(one.contacts) or not other.contacts.equals(one.contacts)


def test_injected_anomalies(easter: Centre) -> None:
    spike = Anomaly("sales", "2026-04-08T10:00:00+02:00", "2026-04-08T12:00:00+02:00", 3.0)
    drop = Anomaly("billing", "2026-04-09T09:00:00+02:00", "2026-04-09T13:00:00+02:00", 0.1)
    base = generate_centre(weeks=2, start="2026-03-30", agents=40, seed=3)
    hit = generate_centre(weeks=2, start="2026-03-30", agents=40, seed=3, anomalies=[spike, drop])
    ratio = hit.rates["rate"] / base.rates["rate"].where(base.rates["rate"] > 0)
    inside = (hit.rates["queue"] == "sales") & hit.rates["interval_start"].between(
        pd.Timestamp(spike.start), pd.Timestamp(spike.end), inclusive="left"
    )
    assert np.allclose(ratio[inside], 3.0, rtol=1e-3)
    plain = ratio[~inside & (hit.rates["queue"] != "billing")].dropna()
    assert np.allclose(plain, 1.0, rtol=1e-3)
    assert hit.params["anomalies"][0] == {
        "queue": "sales",
        "start": "2026-04-08T10:00:00+02:00",
        "end": "2026-04-08T12:00:00+02:00",
        "factor": 3.0,
    }
    sales = hit.contacts[hit.contacts["queue"] == "sales"]["arrived_at"]
    in_spike = sales.between(pd.Timestamp(spike.start), pd.Timestamp(spike.end), inclusive="left")
    expected = base.rates.loc[inside, "rate"].sum()
    assert in_spike.sum() > 2.0 * expected
    with pytest.raises(InvalidInput, match="anomalies"):
        generate_centre(weeks=1, anomalies=[Anomaly("nope", spike.start, spike.end, 2.0)])


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInput) as err:
        generate_centre(weeks=0, agents=1, queues=4)
    fields = {e.field for e in err.value.errors}
    assert fields == {"weeks", "agents"}
    with pytest.raises(InvalidInput, match="timezone"):
        generate_centre(weeks=1, timezone="Nowhere/Land")
    with pytest.raises(InvalidInput) as err:
        GeneratorSettings(staffing_ratio=0.0, sick_rate=0.9)
    assert {e.field for e in err.value.errors} == {"staffing_ratio", "sick_rate"}


def test_written_files(tmp_path: Path) -> None:
    small = generate_centre(weeks=1, queues=3, agents=15, seed=2, timezone="America/New_York")
    paths = write_centre(small, tmp_path)
    assert {p.name for p in paths.values()} == {
        "contacts.csv",
        "agent_states.csv",
        "agents.json",
        "params.json",
        "rates.csv",
        "tickets.json",
        "kb_events.csv",
        "quality.json",
        "aliases.json",
    }
    text = (tmp_path / "contacts.csv").read_text().splitlines()
    assert text[0].startswith("contact_id,queue,arrived_at,channel,answered_at")
    assert text[1].split(",")[2].endswith(("-04:00", "-05:00"))
    contacts = read_frame(tmp_path / "contacts.csv", timezone="America/New_York")
    assert len(contacts) == len(small.contacts)
    assert (contacts["arrived_at"] == small.contacts["arrived_at"]).all()
    params = json.loads((tmp_path / "params.json").read_text())
    assert params["seed"] == 2 and params["queues"] == ["billing", "sales", "support"]
    agents = json.loads((tmp_path / "agents.json").read_text())
    assert len(agents) == 15 and agents[0]["timezone"] == "America/New_York"
