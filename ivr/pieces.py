"""Recordings as pieces, put together as Asterisk's ``say`` does: a sentence that says a number,
a key or some hours is recorded in segments (the words between its placeholders), and the number,
the key or the hours are played from pieces recorded once: the ten digits, the seven days, the
times of day and the few words that join them (from the hours.* prompts and CLDR's "and"). So a new
phone number or new opening hours in line.yaml need no new recordings.

A piece is named for what it says: ``<prompt>`` (a sentence without placeholders, whole),
``<prompt>.<n>`` (its n-th segment), ``digit.<d>``, ``day.<n>`` (Monday 0), ``time.<HH>`` or
``time.<HHMM>``, ``list.<pattern>`` (CLDR's list words, "agus"), ``pause`` (a short silence between
the groups of a phone number, made by `recordings make`); its words are what the recording must
say, and what its take is checked against.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from .catalog import PLACEHOLDER

DIGIT = "digit."
DAY = "day."
TIME = "time."
LIST = "list."
PAUSE = "pause"   # a short silence between the groups of a phone number, as a person reads them
SEGMENT = re.compile(r"^(?P<prompt>.+)\.(?P<number>\d+)$")   # <prompt>.<n>: a segment of a prompt
LEADING = " \t\n,.;:!?،؛"   # what a segment may begin with that is not said


@dataclass(frozen=True)
class Piece:
    """One recording: its name (the file is <name>.wav) and the words it says."""
    name: str
    words: str


def segments(prompt: str, text: str) -> Iterator[Piece | str]:
    """``text`` (the prompt's words in a language) as its segments, each a Piece, and the names of
    the placeholders between them; a segment without a word in it (", ") is not a piece. A text
    without placeholders is one piece named after the prompt: the sentence, whole."""
    matches = list(PLACEHOLDER.finditer(text))
    if not matches:
        yield Piece(prompt, " ".join(text.split()))
        return
    position = 0
    for number, match in enumerate(matches, start=1):
        yield from _segment(prompt, number, text[position:match.start()])
        yield match.group(1)
        position = match.end()
    yield from _segment(prompt, len(matches) + 1, text[position:])


def _segment(prompt: str, number: int, text: str) -> Iterator[Piece]:
    words = " ".join(text.split()).lstrip(LEADING).strip()
    if any(character.isalnum() for character in words):
        yield Piece(f"{prompt}.{number}", words)


def whole(prompt: str, text: str) -> list[Piece]:
    """A prompt's own words in pieces: itself whole, or its segments (what fills its placeholders left out)."""
    return [part for part in segments(prompt, text) if isinstance(part, Piece)]


def digits(number: str) -> list[Piece]:
    """A number's digits, with a pause between its groups ("028 9504 9999")."""
    found = []
    for group in number.split():
        found += ([Piece(PAUSE, "")] if found else []) + [Piece(f"{DIGIT}{d}", d) for d in group if d.isdigit()]
    return found


def joined(items: list[list[Piece]], patterns) -> list[Piece]:
    """Items joined as CLDR joins a list (``patterns``: Babel's list patterns, "{0} agus {1}"),
    the joining words as pieces of their own ("list.end": "agus")."""
    if len(items) <= 1:
        return items[0] if items else []
    found = []
    for index, item in enumerate(items):
        if index:
            kind = "2" if len(items) == 2 else ("end" if index == len(items) - 1 else
                                                 "start" if index == 1 else "middle")
            found += _list_word(patterns, kind)
        found += item
    return found


def list_words(patterns) -> list[Piece]:
    """Every joining word of a list in a language (pieces recorded in advance)."""
    return [piece for kind in ("2", "start", "middle", "end") for piece in _list_word(patterns, kind)]


def _list_word(patterns, kind: str) -> list[Piece]:
    words = " ".join(patterns[kind].split("{0}", 1)[-1].split("{1}", 1)[0].split()).strip(LEADING)
    return [Piece(f"{LIST}{kind}", words)] if any(character.isalnum() for character in words) else []


def prompt_of(name: str) -> str:
    """The prompt (or kind of piece) a recording belongs to: what keeps it when pruning."""
    match = SEGMENT.match(name)
    return match.group("prompt") if match else name


def unique(pieces: Iterable[Piece]) -> dict[str, str]:
    """name -> words, each piece once."""
    return {piece.name: piece.words for piece in pieces}


def recorded(recordings, wording, utterance) -> list | None:
    """The recordings that say ``utterance``, in order (``recordings``: ivr/recordings.Recordings;
    ``wording``: ivr/words.Wording); None when one of its pieces has none, or its language has no
    recordings at all."""
    code = utterance.language.code
    if not recordings.of(code):
        return None
    found = [recordings.get(code, piece.name) for piece in wording.pieces(utterance)]
    return None if any(recording is None for recording in found) else found
