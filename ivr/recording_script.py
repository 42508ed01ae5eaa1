"""The script a voice artist reads from, for a language the line plays from recordings (Irish):
every file the line needs, in sittings of one kind of voice, each with its file name, the words
exactly as the line checks them, and the tone.

A sentence that says a number, a key or some hours is recorded in segments, the words between them,
and the number, key or hours are played from pieces recorded once (ivr/pieces.py): the last sitting
is those pieces, so a new number or new hours in line.yaml need no new recordings.
"""
from __future__ import annotations

from . import pieces
from .config import Language
from .line_files import LineFiles

# Sittings, by what the prompt is: (title, tone, prompt id prefixes). The first that fits wins.
SITTINGS = (
    ("The way in: the greeting, the language menu, every option and key",
     "Warm, calm and clear, at an even pace; options short and level, the key said distinctly.",
     ("greeting.", "language.", "welcome.", "privacy.", "option.", "choice.", "key.", "menu.", "area.")),
    ("Information: what exploitation is, the warning signs, the advice",
     "Steady and kind, as to a worried parent or a frightened young person; never dramatic.",
     ("content.",)),
    ("When the caller is put through, or it fails, and the text message",
     "Reassuring and unhurried.",
     ("transfer.", "transfer_failed.", "text.", "error.", "goodbye.", "screen.")),
    ("Pieces: the digits, days, times and joining words numbers and hours are made from",
     "Level and neutral, each on its own, as it sounds in the middle of a sentence (\"... a náid, a hocht ...\"); "
     "no rise or fall at the end, so the pieces join smoothly.",
     (pieces.DIGIT, pieces.DAY, pieces.TIME, pieces.LIST, pieces.PAUSE, "hours.")),
)
PIECES = len(SITTINGS) - 1
PIECE_NOTES = {   # what a piece is, for the voice artist (its words are figures: say them in the language)
    "digit": "the digit, as said in a phone number and after the word for \"press\" (one form for both).",
    "time": "a time of day, as said in opening hours (\"from ... to ...\"), in the same way as the whole "
            "hours of this sitting.",
}


def sitting_of(name: str) -> int:
    return next((i for i, (_, _, prefixes) in enumerate(SITTINGS) if name.startswith(prefixes)), PIECES - 1)


def script(files: LineFiles, language: Language) -> str:
    """The recording script of ``language``, as Markdown."""
    wanted = files.inventory.recordings(language)
    lines = [f"# Recording script: {language.code}", "",
             f"{len(wanted)} files. Record each as a separate take named exactly as below (WAV, FLAC, MP3 or OGG),",
             "in a quiet room, close to the microphone, starting within a second. Give the folder to",
             f"`ivr recordings make --lang {language.code} --from <folder>`: it refuses a take that is too quiet,",
             "clipped, or has more than a second of silence at either end, and says which.",
             "Say the names the English way: Gateway Team, Childline, NSPCC (letter by letter), CEOP (\"see-op\").",
             "A file named <prompt>.<n> is part n of a sentence: the line plays a number, a key or some hours",
             "(sitting " + str(PIECES + 1) + ") between its parts, so say each part as it sounds there, not as a whole sentence.",
             ""]
    for index, (title, tone, _) in enumerate(SITTINGS):
        mine = sorted(name for name in wanted if sitting_of(name) == index)
        if not mine:
            continue
        lines += [f"## Sitting {index + 1}: {title}", "", f"Tone: {tone}", ""]
        for name in mine:
            prompt = pieces.prompt_of(name)
            note = files.catalog.source[prompt].note if prompt in files.catalog.source and index != PIECES else \
                PIECE_NOTES.get(prompt, "")
            said = wanted[name] or "(a short silence: made by `recordings make`, nothing to record)"
            lines += [f"### `{name}.wav`", "", f"> {said}", ""]
            if note:
                lines += [f"What it is for: {note}", ""]
    return "\n".join(lines)


def summary(files: LineFiles, language: Language) -> str:
    """One line for `check`: how many recordings ``language`` is played from, and the pieces its
    numbers and hours are said from."""
    wanted = files.inventory.recordings(language)
    mine = sorted(name for name in wanted if sitting_of(name) == PIECES)
    by_kind: dict[str, list[str]] = {}
    for name in mine:
        by_kind.setdefault(pieces.prompt_of(name), []).append(name)
    said = ", ".join(f"{names[0]} … {names[-1]}" if len(names) > 3 else ", ".join(names) for names in by_kind.values())
    return (f"{language.code}: played from {len(wanted)} recordings (`ivr recordings script --lang {language.code}`): "
            f"{len(wanted) - len(mine)} sentences or their parts, and {len(mine)} pieces numbers and hours are "
            f"said from: {said}")
