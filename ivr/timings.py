"""Caller time: how many seconds of audio a caller hears at each place of the call, per language.

Every second before a caller learns how to reach a person is a cost, so the line
measures it instead of guessing, and ``check`` holds it to the budgets in
prompts/menu.yaml. What is measured is exactly what the engine says at each
place (``Inventory.places``, ivr/callflow/inventory.py): a recording counts at its
real length; words are spoken by espeak-ng at 160 words a minute in the
caller's language. Where espeak-ng is not installed, the length is estimated
from the number of characters, at the rate espeak-ng itself speaks that
language (``CHARACTERS_PER_SECOND``), and the report says so.
"""
from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from . import pieces
from .callflow.script import PERSON   # where the way to a person is said
from .config import Language
from .recordings import AudioError, wav_seconds
from .words import Utterance

if TYPE_CHECKING:
    from .line_files import LineFiles

WORDS_PER_MINUTE = 160   # a normal speaking rate: about what Polly and Google voices read at
# Characters a second that espeak-ng speaks each language at 160 words a minute, measured on the
# shipped prompts (`flask --app ivr timings --calibrate`); used only where espeak-ng is missing.
CHARACTERS_PER_SECOND = {"en": 14.0, "pl": 12.2, "lt": 11.7, "ga": 14.6, "ar": 9.1, "ro": 13.0,
                         "bg": 13.3, "pt": 13.4, "sk": 13.1}
DEFAULT_CHARACTERS_PER_SECOND = 13.0


def espeak_voice(language: Language) -> str:
    """The espeak-ng voice for a language: its primary code (en, pl, ga, pt...)."""
    return {"en": "en-gb"}.get(language.primary, language.primary)


class Stopwatch:
    """Measures utterances. Lengths are kept for the life of the process, by voice and words:
    the same sentence is spoken once however many lines or reports measure it."""
    _spoken: dict[tuple[str, str], float] = {}

    def __init__(self, espeak: str | None = None, estimate_only: bool = False):
        self.espeak = None if estimate_only else (espeak or shutil.which("espeak-ng"))
        self._known: dict[tuple[str, str], float] = self._spoken if self.espeak else {}

    @property
    def method(self) -> str:
        if self.espeak:
            return f"measured by espeak-ng at {WORDS_PER_MINUTE} words a minute"
        why = "not used (--estimate)" if shutil.which("espeak-ng") else "not installed"
        return f"estimated from the characters (espeak-ng {why})"

    @property
    def estimated(self) -> bool:
        return not self.espeak

    def spoken(self, language: Language, words: str) -> float:
        key = (espeak_voice(language), words)
        if key not in self._known:
            self.measure_all([key])
        return self._known[key]

    def measure_all(self, wanted: Iterable[tuple[str, str]]) -> None:
        """Measures many (voice, words) at once, two espeak-ng processes at a time."""
        todo = [key for key in dict.fromkeys(wanted) if key not in self._known]
        if not self.espeak:
            for voice, words in todo:
                rate = CHARACTERS_PER_SECOND.get(voice.split("-")[0], DEFAULT_CHARACTERS_PER_SECOND)
                self._known[(voice, words)] = len(words) / rate
            return
        with ThreadPoolExecutor(max_workers=4) as pool:
            for key, seconds in zip(todo, pool.map(self._speak, todo)):
                self._known[key] = seconds

    def _speak(self, key: tuple[str, str]) -> float:
        voice, words = key
        result = subprocess.run([self.espeak, "-v", voice, "-s", str(WORDS_PER_MINUTE), "--stdout", words],
                                capture_output=True, timeout=60)
        if result.returncode != 0:
            raise AudioError(f"espeak-ng could not speak {voice}: {result.stderr.decode(errors='replace').strip()}")
        return wav_seconds(result.stdout)


@dataclass(frozen=True)
class Place:
    """One place of a call, as a caller hears it in one language."""
    language: str
    kind: str        # the budget it is held to (see BUDGETS)
    name: str        # what a person reading the report calls it
    seconds: float
    budget: float

    @property
    def over(self) -> bool:
        return self.seconds > self.budget

    def problem(self) -> str:
        return (f"language {self.language}: {self.name}: {self.seconds:.1f} s of audio, over its budget of "
                f"{self.budget:g} s (budgets: prompts/menu.yaml)")


def length(files: "LineFiles", stopwatch: Stopwatch, utterances: Iterable[Utterance]) -> float:
    total = 0.0
    for utterance in utterances:
        recorded = pieces.recorded(files.recordings, files.wording, utterance)
        if recorded is not None:
            total += sum(recording_seconds(recording.path) for recording in recorded)
        else:
            total += stopwatch.spoken(utterance.language, files.wording.plain(utterance))
    return total


def until_person(files: "LineFiles", stopwatch: Stopwatch, utterances: list[Utterance]) -> float | None:
    """Seconds until the way to a person has been said, or None if it is not said at all."""
    for index, utterance in enumerate(utterances):
        if utterance.prompt == PERSON:
            return length(files, stopwatch, utterances[:index + 1])
    return None


_RECORDING_SECONDS: dict[tuple[Path, float], float] = {}


def recording_seconds(path: Path) -> float:
    key = (path, path.stat().st_mtime)
    if key not in _RECORDING_SECONDS:
        _RECORDING_SECONDS[key] = wav_seconds(path.read_bytes())
    return _RECORDING_SECONDS[key]


def report(files: "LineFiles", stopwatch: Stopwatch) -> list[Place]:
    """Every place of the call, in every language, with its seconds and its budget: the line as
    line.yaml sets it up (texts offered, even without Twilio credentials here)."""
    places_of = {language.code: files.inventory.places(language) for language in files.config.languages}
    stopwatch.measure_all((espeak_voice(u.language), files.wording.plain(u))
                          for found in places_of.values() for _, _, words in found for u in words
                          if pieces.recorded(files.recordings, files.wording, u) is None)
    budgets: Mapping[str, float] = files.menu.budgets
    places = []
    for language in files.config.languages:
        opening = None
        for kind, name, words in places_of[language.code]:
            if kind == "opening":
                opening = words
                continue
            if kind == "after_language":
                seconds = until_person(files, stopwatch, words)
                start = opening + words if opening is not None else words
                from_start = until_person(files, stopwatch, start)
                places.append(Place(language.code, "to_a_person", "to a person, from the start of the call",
                                    from_start if from_start is not None else float("inf"), budgets["to_a_person"]))
                if opening is not None:
                    places.append(Place(language.code, "to_a_person_after_language",
                                        "to a person, after choosing the language",
                                        seconds if seconds is not None else float("inf"),
                                        budgets["to_a_person_after_language"]))
                continue
            places.append(Place(language.code, kind, name, length(files, stopwatch, words), budgets[kind]))
    return places


def calibrate(files: "LineFiles", stopwatch: Stopwatch) -> dict[str, float]:
    """Characters a second that espeak-ng speaks each language at, over everything the line says
    in it: the rates CHARACTERS_PER_SECOND estimates with where espeak-ng is missing."""
    if not stopwatch.espeak:
        raise AudioError("calibrating needs espeak-ng (apt-get install espeak-ng)")
    rates = {}
    for language in files.config.languages:
        words = [files.wording.plain(u) for u in files.inventory.utterances(language)
                 if files.catalog.has(u.prompt, language.code)]
        voice = espeak_voice(language)
        stopwatch.measure_all((voice, text) for text in words)
        seconds = sum(stopwatch.spoken(language, text) for text in words)
        rates[voice.split("-")[0]] = round(sum(len(text) for text in words) / seconds, 1) if seconds else 0.0
    return rates


def problems(places: Iterable[Place]) -> list[str]:
    return [place.problem() for place in places if place.over]


def table(places: list[Place], stopwatch: Stopwatch) -> str:
    """Per language: the time to a person, then the longest place of each kind, against its budget."""
    columns = (("to_a_person", "to a person"), ("to_a_person_after_language", "after choosing"),
               ("first_menu", "first menu"),
               ("language_menu", "language menu"), ("menu", "longest menu"),
               ("message", "longest message"), ("before_transfer", "before a transfer"))
    budgets = {place.kind: place.budget for place in places}
    head = ["language"] + [f"{title} (≤{budgets[kind]:g} s)" for kind, title in columns if kind in budgets]
    rows = [head]
    languages = list(dict.fromkeys(place.language for place in places))
    for code in languages:
        row = [code]
        for kind, _ in columns:
            if kind not in budgets:
                continue
            mine = [place for place in places if place.language == code and place.kind == kind]
            if not mine:
                row.append("–")
                continue
            worst = max(mine, key=lambda place: place.seconds)
            row.append(f"{worst.seconds:.1f}" + (" OVER" if worst.over else ""))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    text = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    text.append(f"Seconds of audio; words {stopwatch.method}, recordings at their length.")
    return "\n".join(text)


def details(places: list[Place]) -> str:
    return "\n".join(f"{p.language:<6} {p.name:<55} {p.seconds:6.1f} s  (≤{p.budget:g}){' OVER' if p.over else ''}"
                     for p in places)
