"""Spoken alerts made on the server: an alert's sentence as a WAV file, for wall screens whose
browser has no speech synthesis.

Speech comes from the ``espeak-ng`` program (Debian package ``espeak-ng``; the older ``espeak``
is taken when it is the one installed). Without either, :func:`speak_wav` raises
:class:`SpeechUnavailable`, which the router answers with 503 and the install hint: a WAV
without speech is never returned.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Final, Literal

from features.errors import SeatwiseError

SpokenLanguage = Literal["en", "zh"]
VOICES: Final[dict[str, str]] = {"en": "en", "zh": "cmn"}
"""espeak-ng voice of each page language (Mandarin for Chinese)."""
PROGRAMS: Final = ("espeak-ng", "espeak")
WORDS_PER_MINUTE: Final = 160
"""Speaking rate, words per minute: a little slower than espeak's 175, for a noisy room."""
TIMEOUT_S: Final = 20.0
"""Longest a synthesis may take, seconds."""
MAX_TEXT_CHARS: Final = 600
"""Longest sentence spoken, characters (an alert's message is far shorter)."""

KIND_WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "low_csat": "low satisfaction score",
        "negative_sentiment": "negative sentiment",
        "service_level": "service level below target",
        "negative_emotion": "negative emotion cluster",
        "compliance_miss": "script compliance misses",
    },
    "zh": {
        "low_csat": "满意度低",
        "negative_sentiment": "负面情绪",
        "service_level": "服务水平低于目标",
        "negative_emotion": "负面情绪集中",
        "compliance_miss": "话术合规缺失",
    },
}


class SpeechUnavailable(SeatwiseError):
    """No speech synthesiser is installed on the server."""


def speech_program() -> str | None:
    """Path of the installed synthesiser (``espeak-ng``, else ``espeak``), None when absent."""
    for name in PROGRAMS:
        found = shutil.which(name)
        if found:
            return found
    return None


def alert_sentence(alert: dict[str, Any], language: SpokenLanguage) -> str:
    """What is said for one alert: its kind, queue (or team) and message.

    Parameters
    ----------
    alert:
        An alert as :meth:`features.store.alert_store.AlertStore.get_alerts` returns it.
    language:
        ``en`` or ``zh``.
    """
    kind = KIND_WORDS[language].get(str(alert.get("kind")), str(alert.get("kind")))
    where = alert.get("queue") or alert.get("team") or ""
    if language == "zh":
        return f"告警：{where} {kind}。{alert.get('message', '')}"[:MAX_TEXT_CHARS]
    return f"Alert: {where}, {kind}. {alert.get('message', '')}"[:MAX_TEXT_CHARS]


def speak_wav(text: str, language: SpokenLanguage) -> bytes:
    """`text` spoken in `language` as a mono 16-bit PCM WAV file (bytes).

    Raises
    ------
    SpeechUnavailable
        Neither ``espeak-ng`` nor ``espeak`` is installed, or the synthesis failed.
    """
    program = speech_program()
    if program is None:
        raise SpeechUnavailable(
            "no speech synthesiser on the server: install it with `apt-get install espeak-ng`"
        )
    with tempfile.TemporaryDirectory(prefix="seatwise-speech-") as folder:
        out = Path(folder) / "alert.wav"
        done = subprocess.run(  # noqa: S603 - fixed program, text passed as one argument
            [
                program,
                "-v",
                VOICES[language],
                "-s",
                str(WORDS_PER_MINUTE),
                "-w",
                str(out),
                "--",
                text,
            ],
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0 or not out.is_file():
            message = done.stderr.decode("utf-8", "replace").strip()
            raise SpeechUnavailable(f"speech synthesis failed: {message or done.returncode}")
        return out.read_bytes()
