"""What an utterance says: a prompt in a language, its placeholders filled with the numbers of the
caller's area, the keys, the caller's language; as parts for speech (render.py) and as plain text
(recordings, the text message, the timing report).

An area's number: a prompt that says a number which differs between the line's areas is said in
the caller's area, or, while the area is not known (a regional number), in its twin
(``<prompt>.any_area``), which names no area's number.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from . import hours_words, pieces
from .catalog import PLACEHOLDER, Catalog, placeholders
from .config import Language, LineConfig
from .routing import Area

KEY_NAMES = {"*": "key.star", "#": "key.hash"}
OFFICE_HOURS = "office_hours"   # {office_hours}: the caller's area's office hours
HOURS = "hours_"                # {hours_<contact>}: a contact's own hours (ivr/hours_words.py)
RIGHT_TO_LEFT = {"ar", "he", "fa", "ur"}   # languages written right to left
LRM = "\u200e"                  # U+200E LEFT-TO-RIGHT MARK
KEY_PLACEHOLDER = "key_"   # {key_back}: the key that goes back on every node
ANY_AREA = ".any_area"   # the twin of a prompt that says an area's number, while the area is not known


def _signature(found) -> tuple:
    """What a caller is told of some hours: comparable between areas."""
    if not isinstance(found, tuple):
        return (found,)
    return tuple((tuple(sorted(p.weekdays)), p.opens, p.closes) for p in found)


@dataclass(frozen=True)
class Utterance:
    prompt: str
    language: Language
    key: str | None = None       # fills {key}, and {choice} ("press 2")
    language_name: str | None = None   # fills {language}: the caller's language, in the whisper
    area: str | None = None      # whose numbers fill it (line.yaml areas); None: the line's own
    per_area: bool = False       # it says a number (or hours) that differs between the line's areas

    @property
    def version(self) -> str:
        """Which of a prompt's versions it is: the prompt, or prompt@area where it says that area's number."""
        return f"{self.prompt}@{self.area}" if self.per_area else self.prompt


@dataclass(frozen=True)
class Listening:
    """Spoken choices a <Gather> also takes: in ``language`` (Twilio's code), helped by ``hints``."""
    language: str
    hints: tuple[str, ...]


@dataclass(frozen=True)
class Digits:
    """Digits to be said one by one: a key, a group of a phone number."""
    digits: str


BREAK = object()   # a short pause, between the groups of a phone number


class Wording:
    """Fills prompts in: ``keys`` are the keys every node offers (menu.yaml every_node), for {key_<kind>}."""

    def __init__(self, config: LineConfig, catalog: Catalog, keys: Mapping[str, str]):
        self.config = config
        self.catalog = catalog
        self.keys = keys
        views = config.every_area()
        self.hours_names = frozenset({OFFICE_HOURS} | {HOURS + key for key in config.contacts}
                                     | {HOURS + key for view in views for key in view.contacts})
        # Numbers (and hours) that differ between the areas a call can be in: a prompt saying one is
        # said per area.
        self.area_numbers = frozenset(
            [name for name in config.numbers if len({view.numbers.get(name) for view in views}) > 1]
            + [name for name in self.hours_names if len({_signature(self.hours_of(name, view)) for view in views}) > 1])
        # Each prompt's placeholders, read once: which numbers and hours it says.
        self._placeholders = {prompt: frozenset(placeholders(source.text)) for prompt, source in catalog.source.items()}
        self._versions = {(prompt, area): self._version(prompt, area)
                          for prompt in catalog.source for area in (None, *config.areas)}

    def hours_of(self, name: str, view: Area):
        """The periods of opening a placeholder says in ``view`` (None: at any time; "missing": the
        view has no such contact)."""
        if name == OFFICE_HOURS:
            return (view.routing.hours,)
        contact = view.contacts.get(name.removeprefix(HOURS))
        return hours_words.periods(contact.hours, view.routing.hours) if contact else "missing"

    def hours_words(self, language: Language) -> hours_words.HoursWords:
        words = {prompt: self.catalog.text(prompt, language.code) for prompt in hours_words.PROMPTS}
        return hours_words.HoursWords(language.locale, words)

    def _hours_found(self, name: str, area: str | None):
        found = self.hours_of(name, self.config.area(area))
        return None if found == "missing" else found

    def hours_text(self, name: str, language: Language, area: str | None, written: bool = False) -> str:
        said, found = self.hours_words(language), self._hours_found(name, area)
        return said.written(found) if written else said.spoken(found)

    def said(self, prompt: str, language: Language, area: str | None = None, key: str | None = None) -> Utterance:
        """``prompt`` as said in ``area``: its twin (ANY_AREA) where the area is not known and the
        prompt needs an area's number; recorded per area where the number differs by area."""
        version = self._versions.get((prompt, area)) or self._version(prompt, area)
        return Utterance(version[0], language, key, area=version[1], per_area=version[2])

    def _version(self, prompt: str, area: str | None) -> tuple[str, str | None, bool]:
        """The prompt said in ``area`` (its twin, or itself), the area whose numbers it says, and
        whether those differ by area: worked out once for every prompt and area, when built."""
        view = self.config.area(area)
        if self.needs_twin(prompt, view):
            prompt = prompt + ANY_AREA
        return prompt, view.key, bool(self.area_numbers_in(prompt) and view.key)

    def says_hours(self, prompt: str) -> bool:
        """Whether ``prompt`` says opening hours (in words CLDR's data for its language makes)."""
        return bool(self._placeholders.get(prompt, frozenset()) & self.hours_names)

    def area_numbers_in(self, prompt: str) -> frozenset[str]:
        """The numbers that differ by area which ``prompt`` says."""
        return self._placeholders.get(prompt, frozenset()) & self.area_numbers

    def needs_twin(self, prompt: str, view: Area) -> bool:
        """Whether ``prompt`` says an area's number (or a contact's hours) that ``view`` does not have
        (the area is not known)."""
        missing = {name for name in self.area_numbers_in(prompt) & self.hours_names
                   if self.hours_of(name, view) == "missing"}
        return bool((self.area_numbers_in(prompt) - self.hours_names - set(view.numbers)) | missing)

    def parts(self, utterance: Utterance, prompt: str | None = None) -> list:
        """The prompt's text, each placeholder replaced by words, Digits or BREAKs."""
        text = self.catalog.text(prompt or utterance.prompt, utterance.language.code)
        parts, position = [], 0
        for match in PLACEHOLDER.finditer(text):
            parts.append(text[position:match.start()])
            parts.extend(self._fill(match.group(1), utterance))
            position = match.end()
        parts.append(text[position:])
        return parts

    def pieces(self, utterance: Utterance, prompt: str | None = None) -> list[pieces.Piece]:
        """The recordings that say an utterance, in order (ivr/pieces.py): the prompt whole, or its
        segments with the pieces of its numbers, keys and hours between them."""
        prompt = prompt or utterance.prompt
        found = []
        for part in pieces.segments(prompt, self.catalog.text(prompt, utterance.language.code)):
            found += [part] if isinstance(part, pieces.Piece) else self._fill_pieces(part, utterance)
        return found

    def spare_pieces(self, language: Language) -> list[pieces.Piece]:
        """Pieces recorded in advance: every digit, and what any hours need (HoursWords.spare)."""
        return [*pieces.digits("0123456789"), pieces.Piece(pieces.PAUSE, ""), *self.hours_words(language).spare()]

    def _key(self, name: str, utterance: Utterance) -> str | None:
        """The key {key} or {key_<kind>} says: the utterance's, or the one every node gives that kind."""
        return utterance.key if name == "key" else self.keys[name.removeprefix(KEY_PLACEHOLDER)]

    def _fill_pieces(self, name: str, utterance: Utterance) -> list[pieces.Piece]:
        if name == "choice":
            return self.pieces(utterance, "choice.press")
        if name == "language":
            return [pieces.Piece(f"language_name.{utterance.language_name or ''}", utterance.language_name or "")]
        if name in self.hours_names:
            return self.hours_words(utterance.language).pieces(self._hours_found(name, utterance.area))
        if name == "key" or name.startswith(KEY_PLACEHOLDER):
            key = self._key(name, utterance)
            if key in KEY_NAMES:
                return self.pieces(utterance, KEY_NAMES[key])
            return pieces.digits(key or "")
        return pieces.digits(self.config.area(utterance.area).numbers[name])

    def plain(self, utterance: Utterance) -> str:
        """The words of an utterance as plain text: what a recording of it must say."""
        words = []
        for part in self.parts(utterance):
            if isinstance(part, Digits):
                words.append(" ".join(part.digits))
            else:
                words.append(", " if part is BREAK else part)
        return " ".join("".join(words).split())

    def text_message(self, prompt: str, language: Language, area: str | None = None) -> str:
        """A prompt written to be read: numbers as published (the caller's area's), web addresses
        in full, keys as digits."""
        said = self.said(prompt, language, area)
        numbers = self.config.area(area).numbers
        if language.primary in RIGHT_TO_LEFT:
            # In right-to-left text a phone shows "0300 1234 333" as "333 1234 0300" (the groups are
            # neutral runs): a left-to-right mark before the number keeps it as written (Unicode
            # Bidirectional Algorithm, UAX #9: U+200E LEFT-TO-RIGHT MARK).
            numbers = {name: LRM + number if " " in number else number for name, number in numbers.items()}
        values = {**numbers, **self.config.links,
                  **{f"{KEY_PLACEHOLDER}{kind}": key for kind, key in self.keys.items()}}
        text = self.catalog.text(said.prompt, language.code)
        values.update({name: self.hours_text(name, language, said.area, written=True)
                       for name in placeholders(text) & self.hours_names})
        return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)

    def _fill(self, name: str, utterance: Utterance) -> list:
        if name == "choice":
            return self.parts(utterance, "choice.press")
        if name == "language":
            return [utterance.language_name or ""]
        if name in self.hours_names:
            return [self.hours_text(name, utterance.language, utterance.area)]
        if name == "key" or name.startswith(KEY_PLACEHOLDER):
            key = self._key(name, utterance)
            if key in KEY_NAMES:
                return [self.catalog.text(KEY_NAMES[key], utterance.language.code)]
            return [Digits(key or "")]
        parts = []
        for group in self.config.area(utterance.area).numbers[name].split():
            parts += [BREAK, Digits(group)] if parts else [Digits(group)]
        return parts
