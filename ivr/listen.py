"""A listen-through for a translation's reviewer, who may never ring the line: one audio file per
place of the call, as a caller there hears it (espeak-ng for the words, the recordings as they
are), and one HTML page with, side by side, the text, the English and the notes of each sentence.

espeak-ng is not the Twilio voice: the page is for the words, names, numbers and rhythm, not for
the voice itself (the README's "smoke call" rings the real line for that).
"""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from . import pieces
from .config import Language
from .line_files import LineFiles
from .recordings import RecordingError, sox, synthesise
from .timings import espeak_voice
from .words import RIGHT_TO_LEFT

PLACE_NAMES = {"opening": "the greeting and the language menu, to this language's key",
               "after_language": "after choosing the language: the first menu, then what is said once a call"}


@dataclasses.dataclass
class Sentence:
    prompt: str
    text: str
    english: str
    note: str
    recorded: bool


@dataclasses.dataclass
class Place:
    name: str
    audio: str
    sentences: list[Sentence]


def places(files: LineFiles, language: Language) -> list[tuple[str, list]]:
    """(name, utterances) of every place of a call in ``language``, each once."""
    found, seen = [], set()
    for kind, name, words in files.inventory.places(language):
        name = name or PLACE_NAMES.get(kind, kind)
        key = tuple(u.version for u in words)
        if words and key not in seen:
            seen.add(key)
            found.append((name, words))
    return found


def build(files: LineFiles, language: Language, out: Path) -> Path:
    """Write the page and its audio for ``language`` into ``out``; returns the page."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        raise RecordingError("the listen-through needs espeak-ng and sox (apt-get install espeak-ng sox)")
    audio_dir = out / "audio"
    audio_dir.mkdir(parents=True, exist_ok=True)
    wording, catalog, english = files.wording, files.catalog, files.first_language
    spoken: dict[str, Path] = {}   # the words of a sentence -> its audio, made once
    rows = []
    for number, (name, words) in enumerate(places(files, language), start=1):
        parts, sentences = [], []
        for utterance in words:
            text = wording.plain(utterance)
            recorded = pieces.recorded(files.recordings, wording, utterance)
            if recorded is not None:
                parts += [recording.path for recording in recorded]
            else:
                if text not in spoken:
                    spoken[text] = audio_dir / f"sentence-{len(spoken) + 1:04d}.wav"
                    synthesise(text, espeak_voice(utterance.language), spoken[text])
                parts.append(spoken[text])
            source = catalog.source.get(utterance.prompt)
            sentences.append(Sentence(
                utterance.prompt, text, wording.plain(dataclasses.replace(utterance, language=english)),
                source.note if source else "", recorded is not None))
        target = audio_dir / f"place-{number:03d}.wav"
        _join(parts, target)
        rows.append(Place(name, f"audio/{target.name}", sentences))
    for made in spoken.values():
        made.unlink(missing_ok=True)   # only the places are kept
    page = out / f"listen-{language.code}.html"
    template = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates" / "listen"),
                           autoescape=select_autoescape(["html"])).get_template("page.html")
    page.write_text(template.render(language=language, places=rows, english=english,
                                    direction="rtl" if language.primary in RIGHT_TO_LEFT else "ltr"),
                    encoding="utf-8")
    return page


def _join(parts: list[Path], target: Path) -> None:
    if len(parts) == 1:
        shutil.copyfile(parts[0], target)
        return
    sox([*map(str, parts), str(target)], f"sox could not join the audio of {target.name}")
