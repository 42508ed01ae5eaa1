"""Recorded prompts: prompts/audio/<language>/<prompt id>.wav, played instead of speech.

Each language folder has a manifest, recordings.yaml, that remembers for every
recording the exact words it was made from and who made it. When a prompt's
words change, its recording no longer matches them and is "stale".

The same `make` step turns text into placeholder recordings with espeak-ng and
turns human recordings (WAV, MP3, FLAC, OGG) into what Twilio plays best:
8 kHz mono u-law WAV, the telephone network's own format, about 8 kB a second.
"""
from __future__ import annotations

import logging
import shutil
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

import yaml

from . import takes
from .files import ConfigError, load_yaml

log = logging.getLogger(__name__)

MANIFEST = "recordings.yaml"
CHECK_SECONDS = 5   # how often a running line looks whether its recordings are still there
HUMAN_FORMATS = (".wav", ".mp3", ".flac", ".ogg")
PLACEHOLDER = "placeholder (espeak-ng)"   # made_by of a machine-made stand-in
TELEPHONE_WAV = ["-r", "8000", "-c", "1", "-e", "u-law", "-b", "8"]
SLOW = ".slow"        # <name>.slow.wav: a recording at SLOW_TEMPO, where no voice can say it slower
SLOW_TEMPO = "0.8"     # as the voices' slower speech (render.SLOWER, 80%); sox's tempo keeps the pitch
SILENCE = "silence (sox)"   # made_by of a piece with no words: a pause
PAUSES = {".": 0.3, "!": 0.3, "?": 0.3, ":": 0.3, ";": 0.3, ",": 0.2, "،": 0.2}   # after a recording ending so
PIECE_PAUSE = 0.08   # after one that goes on into the next piece


@dataclass(frozen=True)
class Recording:
    language: str
    prompt: str
    path: Path
    text: str      # the words it was made from
    made_by: str
    slow_path: Path | None = None   # the same at 80% speed, for a caller who asked for slower speech

    @property
    def url(self) -> str:
        return f"/audio/{self.language}/{self.prompt}.wav"

    @property
    def slow_url(self) -> str:
        return f"/audio/{self.language}/{self.prompt}{SLOW}.wav" if self.slow_path else self.url

    @property
    def placeholder(self) -> bool:
        return self.made_by == PLACEHOLDER


class RecordingError(Exception):
    pass


class AudioError(Exception):
    pass


def wav_seconds(data: bytes) -> float:
    """The length of a WAV file's sound, from its header (any encoding: PCM, u-law...)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError("not a WAV file")
    position, byte_rate, size = 12, None, None
    while position + 8 <= len(data):
        chunk, length = struct.unpack_from("<4sI", data, position)
        body = position + 8
        if chunk == b"fmt " and length >= 16:
            byte_rate = struct.unpack_from("<I", data, body + 8)[0]
        elif chunk == b"data":
            # espeak-ng writing to a pipe cannot know the size: the rest of the file is the sound
            size = min(length, len(data) - body)
            break
        position = body + length + (length & 1)
    if not byte_rate or size is None:
        raise AudioError("a WAV file without a format or sound")
    return size / byte_rate


def audio_problem(path: Path) -> str | None:
    """Why a file is not telephone audio Twilio can play (None: it is)."""
    try:
        seconds = wav_seconds(path.read_bytes())
    except (OSError, AudioError) as error:
        return str(error)
    return None if seconds > 0.1 else "a WAV file with no sound in it"


class Recordings:
    def __init__(self, by_language: Mapping[str, Mapping[str, Recording]], problems: tuple[str, ...] = ()):
        self._by_language = by_language
        self.problems = problems   # recordings that cannot be played: the line refuses to start with them
        self.missing: frozenset[tuple[str, str]] = frozenset()   # gone since the start: never offered
        self.generation = 0   # counts the changes to ``missing``: what is built from recordings is built again
        self._checked = time.monotonic()

    def look(self, now: float | None = None) -> bool:
        """Every CHECK_SECONDS, whether each recording is still there (a file deleted or a disk
        unmounted while the line runs): a recording that is not is no longer offered, and one that
        comes back is offered again. Returns whether that changed anything."""
        now = time.monotonic() if now is None else now
        if now - self._checked < CHECK_SECONDS:
            return False
        self._checked = now
        missing = frozenset((code, prompt) for code, found in self._by_language.items()
                            for prompt, recording in found.items() if not recording.path.is_file())
        if missing == self.missing:
            return False
        for code, prompt in sorted(missing - self.missing):
            log.error("the %s recording of %s is gone (%s): no longer offered until it is back", code, prompt,
                      self._by_language[code][prompt].path)
        for code, prompt in sorted(self.missing - missing):
            log.warning("the %s recording of %s is back: offered again", code, prompt)
        self.missing = missing
        self.generation += 1
        return True

    @classmethod
    def load(cls, audio_dir: Path, language_codes: Iterable[str]) -> "Recordings":
        found, problems = {}, []
        for code in language_codes:
            folder = audio_dir / code
            manifest = read_manifest(folder)
            usable = {}
            for prompt, entry in manifest.items():
                path = folder / f"{prompt}.wav"
                if not path.is_file():
                    continue
                why = audio_problem(path)
                if why:
                    problems.append(f"{path}: is not telephone audio ({why}): record it again, or remove it "
                                    "and run `flask --app ivr recordings make`")
                    continue
                slow = folder / f"{prompt}{SLOW}.wav"
                usable[prompt] = Recording(code, prompt, path, entry["text"], entry["made_by"],
                                           slow if slow.is_file() else None)
            found[code] = MappingProxyType(usable)
        return cls(MappingProxyType(found), tuple(problems))

    def without(self, unused: Iterable[tuple[str, str]]) -> "Recordings":
        """These recordings set aside ((language, prompt) pairs): the prompts are spoken instead."""
        unused = set(unused)
        return Recordings(MappingProxyType({code: MappingProxyType({p: r for p, r in found.items()
                                                                    if (code, p) not in unused})
                                            for code, found in self._by_language.items()}), self.problems)

    def served(self, language: str, name: str) -> Path | None:
        """The file of a recording's URL (<name>.wav, or <name>.slow.wav for its slow copy)."""
        found = self.get(language, name)
        if found is None and name.endswith(SLOW):
            found = self.get(language, name.removesuffix(SLOW))
            return found.slow_path if found else None
        return found.path if found else None

    def get(self, language: str, prompt: str) -> Recording | None:
        found = self._by_language.get(language, {}).get(prompt)
        return None if found is None or (language, prompt) in self.missing else found

    def of(self, language: str) -> Mapping[str, Recording]:
        return self._by_language.get(language, {})

    def words(self, language: str, prompt: str) -> str:
        """What a recording says, for a transcript (its prompt id if there is none)."""
        found = self.get(language, prompt)
        return found.text if found else prompt


def read_manifest(folder: Path) -> dict[str, dict]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(str(path), [f"is not a readable recordings manifest ({type(error).__name__}): "
                                      "fix it, or remove it and run `flask --app ivr recordings make`"]) from None
    if not isinstance(raw, dict):
        raise ConfigError(str(path), ["must map each prompt id to {text, made_by}"])
    return {str(prompt): {"text": str(entry.get("text", "")), "made_by": str(entry.get("made_by", ""))}
            for prompt, entry in raw.items() if isinstance(entry, dict)}


def write_manifest(folder: Path, manifest: Mapping[str, dict]) -> None:
    header = ("# Which words each recording here says, and who made it. Written by\n"
              "# `flask --app ivr recordings make`; a recording whose words no longer match\n"
              "# its prompt is stale. Placeholders are machine speech until a native speaker\n"
              "# records the prompt.\n")
    body = yaml.safe_dump(dict(sorted(manifest.items())), allow_unicode=True, sort_keys=True, width=100)
    (folder / MANIFEST).write_text(header + body, encoding="utf-8")


def tools_missing() -> list[str]:
    return [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]


def pause_after(words: str) -> float:
    """Seconds of silence after a recording: a sentence's pause after its last word, a short one
    after a piece that goes on into the next (ivr/pieces.py: "... glaoigh ar" + "a naoi")."""
    return PAUSES.get(words.rstrip()[-1:], PIECE_PAUSE)


def sox(arguments: list[str], failure: str) -> None:
    """Run sox; a RecordingError saying ``failure`` ("sox could not …") and sox's words if it fails."""
    result = subprocess.run(["sox", *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        raise RecordingError(f"{failure}: {result.stderr.strip()}")


def to_telephone_wav(source: Path, target: Path, pause: float = PAUSES["."]) -> None:
    """Any audio sox reads -> 8 kHz mono u-law WAV, trimmed of silence at both ends, then ``pause``
    seconds of silence at its end."""
    sox([str(source), *TELEPHONE_WAV, str(target), "silence", "1", "0.05", "0.5%", "reverse",
         "silence", "1", "0.05", "0.5%", "reverse", "pad", "0", f"{pause:g}"], f"sox could not convert {source.name}")


def synthesise(text: str, espeak_voice: str, target: Path, pause: float = PAUSES["."]) -> None:
    """A placeholder recording of ``text`` in the espeak-ng voice ``espeak_voice``."""
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "espeak.wav"
        # -s 150: a little slower than espeak's default 175 words a minute, for the phone
        result = subprocess.run(["espeak-ng", "-v", espeak_voice, "-s", "150", "-w", str(raw), text],
                                capture_output=True, text=True)
        if result.returncode != 0 or not raw.is_file():
            raise RecordingError(f"espeak-ng could not speak {espeak_voice!r}: {result.stderr.strip()}")
        to_telephone_wav(raw, target, pause)


def human_recording(folder: Path | None, prompt: str) -> Path | None:
    if folder is None:
        return None
    return next((folder / f"{prompt}{ext}" for ext in HUMAN_FORMATS if (folder / f"{prompt}{ext}").is_file()), None)


def make(folder: Path, wanted: Mapping[str, str], espeak_voice: str | None, human_dir: Path | None = None,
         force: bool = False, slow: bool = False) -> tuple[list[str], list[str]]:
    """Make the recordings of ``wanted`` (prompt id -> words) that are missing or stale.

    Recordings the line no longer says (not in ``wanted``) are removed. A piece with no words is a
    pause (ivr/pieces.py), made as silence. With ``slow`` (a language no voice speaks), each
    recording also gets a copy at 80% speed, <name>.slow.wav, for a caller who asks for slower speech.

    A human recording in ``human_dir`` named <prompt id>.<wav|mp3|flac|ogg> is
    converted once it passes ivr/takes.py's checks (a take refused is named, with why);
    otherwise, with an ``espeak_voice``, a placeholder is made.
    Returns one line per recording made, and one per take refused ("<file>: <why>").
    """
    folder.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(folder)
    made, refused = [], []
    for prompt, text in sorted(wanted.items()):
        target = folder / f"{prompt}.wav"
        human = human_recording(human_dir, prompt)
        if human and (problems := takes.problems(human)):
            refused += [f"{human.name}: {why}" for why in problems]
            human = None   # not accepted: what there was stays, or a placeholder stands in
        current = manifest.get(prompt)
        up_to_date = current and current["text"] == text and target.is_file()
        if up_to_date and not force and not human:
            continue
        if not text:
            silence(target, PAUSES["."])
            manifest[prompt] = {"text": "", "made_by": SILENCE}
        elif human:
            to_telephone_wav(human, target, pause_after(text))
            manifest[prompt] = {"text": text, "made_by": f"human recording ({human.name})"}
        elif espeak_voice:
            synthesise(text, espeak_voice, target, pause_after(text))
            manifest[prompt] = {"text": text, "made_by": PLACEHOLDER}
        else:
            continue
        made.append(f"{prompt}: {manifest[prompt]['made_by']}")
    # What the line no longer says goes: an old sentence, a sentence now recorded in parts (or the
    # other way round), a time of day no longer used.
    for prompt in [name for name in manifest if name not in wanted]:
        manifest.pop(prompt)
        (folder / f"{prompt}.wav").unlink(missing_ok=True)
        (folder / f"{prompt}{SLOW}.wav").unlink(missing_ok=True)
    for prompt in manifest:
        normal, slower = folder / f"{prompt}.wav", folder / f"{prompt}{SLOW}.wav"
        if not slow:
            slower.unlink(missing_ok=True)
        elif normal.is_file() and (not slower.is_file() or slower.stat().st_mtime < normal.stat().st_mtime):
            slowed(normal, slower)
    write_manifest(folder, manifest)
    return made, refused


def silence(target: Path, seconds: float) -> None:
    sox(["-n", *TELEPHONE_WAV, str(target), "trim", "0", f"{seconds:g}"], f"sox could not make {target.name}")


def slowed(source: Path, target: Path) -> None:
    """``source`` at SLOW_TEMPO, its pitch kept (sox's tempo effect, -s: tuned for speech)."""
    sox([str(source), *TELEPHONE_WAV, str(target), "tempo", "-s", SLOW_TEMPO], f"sox could not slow {source.name} down")
