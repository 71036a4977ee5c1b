"""The demo centre's other sources: tickets, knowledge-base reads and quality agree with the
contacts and agents, follow the agents' skill, pass validation, and are deterministic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from features.measures.intervals import build_intervals
from features.measures.knowledge import ALL_TOPICS, kb_effectiveness
from features.measures.tickets import ticket_outcomes
from features.records.sources import validate_kb_events, validate_quality, validate_tickets
from features.records.validation import validate_agents, validate_contacts
from features.synthetic.generator import Centre, generate_centre
from features.synthetic.profiles import CATALOGUE

TZ = "Europe/Berlin"


@pytest.fixture(scope="module")
def centre() -> Centre:
    return generate_centre(weeks=4, agents=50, seed=11)


@pytest.fixture(scope="module")
def tickets(centre: Centre) -> pd.DataFrame:
    return validate_tickets(pd.DataFrame(centre.tickets), timezone=TZ)


def _tenure(centre: Centre) -> dict[str, bool]:
    first = centre.contacts["arrived_at"].min().date()
    return {
        a["agent_id"]: (first - dt.date.fromisoformat(a["contract"]["start_date"])).days < 90
        for a in centre.agents
    }


def test_sources_pass_validation_and_reference_the_contacts(
    centre: Centre, tickets: pd.DataFrame
) -> None:
    assert len(validate_agents(centre.agents)) == 50
    assert len(validate_kb_events(centre.kb_events)) == len(centre.kb_events) > 1000
    assert len(validate_quality(centre.quality)) == len(centre.quality) > 1000
    contacts = centre.contacts.set_index("contact_id")
    linked = contacts.loc[tickets["contact_id"]]
    assert linked["answered_at"].notna().all()
    assert (tickets["agent_id"].to_numpy() == linked["agent_id"].to_numpy()).all()
    assert (tickets["opened_at"].to_numpy() >= linked["answered_at"].to_numpy()).all()
    end = pd.Timestamp(centre.params["end"], tz=TZ)
    changes = [c["at"] for items in tickets["status_changes"] for c in items]
    assert max(changes) < end
    share = len(tickets) / centre.contacts["answered_at"].notna().sum()
    assert 0.3 < share < 0.7
    reads = centre.kb_events.dropna(subset=["contact_id"])
    read_contacts = contacts.loc[reads["contact_id"]]
    assert (reads["agent_id"].to_numpy() == read_contacts["agent_id"].to_numpy()).all()
    assert (reads["viewed_at"].to_numpy() >= read_contacts["answered_at"].to_numpy()).all()
    assert {a["kind"] for a in centre.aliases} == {"queue", "team"}
    assert {"kind": "queue", "name": "billing", "alias": "账单"} in centre.aliases


def test_first_contact_resolution_and_quality_follow_skill(
    centre: Centre, tickets: pd.DataFrame
) -> None:
    new = _tenure(centre)
    assert 0.05 < np.mean(list(new.values())) < 0.4
    outcomes = ticket_outcomes(tickets)
    fresh = tickets["agent_id"].map(new).to_numpy(dtype=bool)
    resolved = outcomes["resolved"].to_numpy()
    fcr = outcomes["first_contact_resolved"].astype("Float64").to_numpy(dtype=float)
    assert np.nanmean(fcr[fresh & resolved]) < np.nanmean(fcr[~fresh & resolved]) - 0.05
    quality = centre.quality.merge(centre.contacts[["contact_id", "agent_id"]], on="contact_id")
    by_new = quality.groupby(quality["agent_id"].map(new))["script_compliance"].mean()
    assert by_new[True] < by_new[False] - 0.05
    assert set(quality["source"]) == {"speech", "manual"}
    voice = centre.contacts[centre.contacts["channel"] == "voice"]
    speech = quality[quality["source"] == "speech"]
    assert speech["contact_id"].isin(voice["contact_id"]).all()


def test_reads_go_with_fewer_reopens_and_new_agents_read_more(
    centre: Centre, tickets: pd.DataFrame
) -> None:
    table = kb_effectiveness(centre.kb_events, centre.contacts, tickets)
    overall = table[table["topic"] == ALL_TOPICS].set_index("measure")
    assert overall.loc["reopened", "ci_high"] < 0  # an association, not an effect
    assert overall.loc["transferred", "difference"] < 0
    assert overall.loc["handle_s", "difference"] > 0  # lookups happen on the long contacts
    new = _tenure(centre)
    handled = centre.contacts.dropna(subset=["agent_id"])
    reads = centre.kb_events.dropna(subset=["contact_id"])
    per_contact = (
        reads.groupby("agent_id")["contact_id"].nunique() / handled.groupby("agent_id").size()
    )
    by_new = per_contact.groupby(per_contact.index.map(new)).mean()
    assert by_new[True] > by_new[False]
    study = centre.kb_events[centre.kb_events["contact_id"].isna()]
    assert not study.empty and study["agent_id"].map(new).all()


def test_social_and_messaging_channels() -> None:
    profiles = [p for p in CATALOGUE if p.name in ("billing", "social", "messaging")]
    centre = generate_centre(weeks=1, agents=30, seed=4, profiles=profiles)
    contacts = validate_contacts(centre.contacts)
    channels = contacts.groupby("queue")["channel"].first().to_dict()
    assert channels == {"billing": "voice", "social": "social", "messaging": "messaging"}
    assert not contacts.loc[contacts["channel"] != "voice", "abandoned"].any()
    night = contacts[contacts["queue"] == "social"]["arrived_at"].dt.hour < 6
    assert night.any()
    history = build_intervals(contacts, timezone=TZ)
    by_queue = history.groupby("queue").apply(
        lambda h: (h["service_level"] * h["offered"]).sum() / h["offered"].sum()
    )
    assert by_queue.notna().all()
    speech = centre.quality[centre.quality["source"] == "speech"]
    assert set(speech["contact_id"]) <= set(contacts.loc[contacts["channel"] != "social",
                                                          "contact_id"])  # fmt: skip


def test_sources_are_deterministic_and_leave_the_contacts_alone() -> None:
    small = {"weeks": 1, "queues": 2, "agents": 12, "start": "2026-06-01"}
    one, two = generate_centre(seed=5, **small), generate_centre(seed=5, **small)
    assert one.tickets == two.tickets
    pd.testing.assert_frame_equal(one.kb_events, two.kb_events)
    pd.testing.assert_frame_equal(one.quality, two.quality)
    assert one.params["summary"]["tickets"] == len(one.tickets)
