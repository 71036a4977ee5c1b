"""``GET /v1/alerts/{id}/audio``: the alert spoken on the server (espeak-ng) as a WAV that
Python's ``wave`` module reads, in English and Mandarin, scoped like the alert list."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.services import speech
from api.services.speech import alert_sentence, speech_program
from tests.api.test_alerts import AGENTS, CONTACTS, bearer, ingest, make_app


def frames(body: bytes) -> tuple[int, int, float, np.ndarray]:
    """Channels, bytes per sample, length (seconds) and samples of a WAV file."""
    with wave.open(io.BytesIO(body)) as reader:
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        seconds = reader.getnframes() / reader.getframerate()
        return reader.getnchannels(), reader.getsampwidth(), seconds, samples


def test_speech_program_is_installed() -> None:
    assert speech_program() is not None, "install the synthesiser: apt-get install -y espeak-ng"


def test_sentence_names_kind_queue_and_message() -> None:
    alert = {"kind": "service_level", "queue": "billing", "message": "service level 62%"}
    assert alert_sentence(alert, "en") == (
        "Alert: billing, service level below target. service level 62%"
    )
    assert alert_sentence(alert, "zh") == "告警：billing 服务水平低于目标。service level 62%"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_audio_is_a_spoken_wav(database_url: str, lang: str) -> None:
    app = make_app(database_url, [])
    with TestClient(app) as client:
        app.state.store.upsert_agents(AGENTS)
        ingest(app, client, CONTACTS)
        admin = bearer(app, "admin")
        alerts = client.get("/v1/alerts", headers=admin).json()["alerts"]
        low = next(a for a in alerts if a["kind"] == "low_csat")
        response = client.get(
            f"/v1/alerts/{low['alert_id']}/audio", params={"lang": lang}, headers=admin
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "audio/wav"
        channels, width, seconds, samples = frames(response.content)
        assert (channels, width) == (1, 2)
        # "Alert: billing, low satisfaction score. contact c1 on queue billing ..." takes seconds
        assert 2.0 < seconds < 30.0
        # speech, not silence: a loud share of samples and a varying envelope
        assert np.abs(samples).max() > 3000
        windows = np.abs(samples[: len(samples) // 1000 * 1000]).reshape(-1, 1000).mean(axis=1)
        assert windows.std() > 100


def test_audio_scoped_and_checked(database_url: str) -> None:
    app = make_app(database_url, [])
    with TestClient(app) as client:
        app.state.store.upsert_agents(AGENTS)
        ingest(app, client, CONTACTS)
        alerts = client.get("/v1/alerts", headers=bearer(app, "admin")).json()["alerts"]
        low = next(a for a in alerts if a["kind"] == "low_csat")
        url = f"/v1/alerts/{low['alert_id']}/audio"
        assert client.get(url, headers=bearer(app, "supervisor", ["t1"])).status_code == 200
        assert client.get(url, headers=bearer(app, "supervisor", ["t2"])).status_code == 404
        assert client.get(url, headers=bearer(app, "agent")).status_code == 403
        assert client.get(url).status_code == 401
        admin = bearer(app, "admin")
        assert client.get("/v1/alerts/999999/audio", headers=admin).status_code == 404
        bad = client.get(url, params={"lang": "fr"}, headers=admin)
        assert bad.status_code == 422


def test_no_synthesiser_is_503_with_the_fix(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(database_url, [])
    with TestClient(app) as client:
        app.state.store.upsert_agents(AGENTS)
        ingest(app, client, CONTACTS)
        admin = bearer(app, "admin")
        alert_id = client.get("/v1/alerts", headers=admin).json()["alerts"][0]["alert_id"]
        monkeypatch.setattr(speech, "PROGRAMS", ("no-such-speech-program",))
        response = client.get(f"/v1/alerts/{alert_id}/audio", headers=admin)
        assert response.status_code == 503
        assert "apt-get install espeak-ng" in response.json()["detail"]


def test_acknowledge_once_scoped(database_url: str) -> None:
    app = make_app(database_url, [])
    with TestClient(app) as client:
        app.state.store.upsert_agents(AGENTS)
        ingest(app, client, CONTACTS)
        admin = bearer(app, "admin")
        alerts = client.get("/v1/alerts", headers=admin).json()["alerts"]
        assert all(a["acknowledged_at"] is None for a in alerts)
        low = next(a for a in alerts if a["kind"] == "low_csat")
        url = f"/v1/alerts/{low['alert_id']}/acknowledge"
        assert client.post(url, headers=bearer(app, "supervisor", ["t2"])).status_code == 404
        assert client.post(url, headers=bearer(app, "agent")).status_code == 403
        assert client.post(url).status_code == 401
        t1 = bearer(app, "supervisor", ["t1"])
        first = client.post(url, headers=t1)
        assert first.status_code == 200, first.text
        done = first.json()
        key_id = t1["Authorization"].removeprefix("Bearer ").split("_")[1]
        assert done["acknowledged_by"] == key_id and done["acknowledged_at"] is not None
        again = client.post(url, headers=admin).json()
        assert (again["acknowledged_at"], again["acknowledged_by"]) == (
            done["acknowledged_at"],
            key_id,
        )
        listed = {
            a["alert_id"]: a for a in client.get("/v1/alerts", headers=admin).json()["alerts"]
        }
        assert listed[low["alert_id"]]["acknowledged_by"] == key_id
        assert sum(a["acknowledged_at"] is not None for a in listed.values()) == 1
        assert client.post("/v1/alerts/999999/acknowledge", headers=admin).status_code == 404
