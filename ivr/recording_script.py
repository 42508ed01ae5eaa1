"""The script a voice artist reads from, for a language the line plays from recordings (Irish):
every file the line needs, in sittings of one kind of voice, each with its file name, the words
exactly as the line checks them, the tone, and whether it says a number.

Every file is a whole sentence, its numbers and hours inside it: the line does not yet put numbers
or hours together from recorded pieces, so a new number or new hours mean those files are recorded
again (the script marks the files that say a number; hours are words, so not marked).
"""
from __future__ import annotations

import re

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
     "Reassuring and unhurried; numbers slowly, digit by digit, with a short pause between groups.",
     ("transfer.", "transfer_failed.", "text.", "error.", "goodbye.", "screen.")),
)
NUMBERS = re.compile(r"\d")


def sitting_of(prompt: str) -> int:
    return next((i for i, (_, _, prefixes) in enumerate(SITTINGS) if prompt.startswith(prefixes)), len(SITTINGS) - 1)


def script(files: LineFiles, language: Language) -> str:
    """The recording script of ``language``, as Markdown."""
    wanted = {}
    for utterance in files.inventory.utterances(language):
        if files.catalog.has(utterance.prompt, language.code):
            wanted.setdefault(utterance.recording_id, (utterance.prompt, files.wording.plain(utterance)))
    lines = [f"# Recording script: {language.code}", "",
             f"{len(wanted)} files. Record each as a separate take named exactly as below (WAV, FLAC, MP3 or OGG),",
             "in a quiet room, close to the microphone, starting within a second. Give the folder to",
             f"`ivr recordings make --lang {language.code} --from <folder>`: it refuses a take that is too quiet,",
             "clipped, or has more than a second of silence at either end, and says which.",
             "Say the names the English way: Gateway Team, Childline, NSPCC (letter by letter), CEOP (\"see-op\").",
             ""]
    for index, (title, tone, _) in enumerate(SITTINGS):
        mine = sorted(name for name, (prompt, _) in wanted.items() if sitting_of(prompt) == index)
        if not mine:
            continue
        lines += [f"## Sitting {index + 1}: {title}", "", f"Tone: {tone}", ""]
        for name in mine:
            prompt, words = wanted[name]
            note = files.catalog.source[prompt].note if prompt in files.catalog.source else ""
            flags = " **Says a number: recorded again when the number changes.**" if NUMBERS.search(words) else ""
            lines += [f"### `{name}.wav`", "", f"> {words}", ""]
            if note or flags:
                lines += [(f"What it is for: {note}" if note else "") + flags, ""]
    return "\n".join(lines)
