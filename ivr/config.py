"""line.yaml as the line uses it: plain immutable settings, read once at start-up.

Reading and checking the file is ivr/config_reader.py's work (through the one schema in
ivr/line_schema.py); who answers when is the routing service's (ivr/routing.py).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Mapping

from .routing import Area, Contact, OfficeHours, Routes, Routing


@dataclass(frozen=True)
class Language:
    code: str          # BCP 47, as the caller's language is named in URLs
    locale: str        # the same as a gettext locale (pt-PT -> pt_PT)
    voice: str | None         # Twilio <Say voice=...>; None: recordings only
    say_language: str | None  # Twilio <Say language=...>
    speech: str | None = None  # Twilio <Gather language=...> for spoken choices; None: keypad only
    on_menu: bool = True       # offered on the language menu; if not, reached by its own number only

    @property
    def speaks(self) -> bool:
        """Whether Twilio can speak this language; if not, every prompt needs a recording."""
        return self.voice is not None

    @property
    def listens(self) -> bool:
        """Whether callers may say their choice; if not, prompts only ever say "press"."""
        return self.speech is not None

    @property
    def primary(self) -> str:
        """The language without its region or script: en, pl, pt."""
        return self.locale.split("_")[0]


@dataclass(frozen=True)
class InputSettings:
    timeout_seconds: int
    max_silences: int
    max_wrong_keys: int
    after_limit: str  # "transfer" or "goodbye"


@dataclass(frozen=True)
class TransferSettings:
    timeout_seconds: int
    caller_id: str | None  # None: Twilio passes on the caller's own number
    screen_seconds: int    # how long the person answering has to press 1


@dataclass(frozen=True)
class TextSettings:
    sender: str                  # the Twilio number texts come from
    links: Mapping[str, str]     # name -> web address, used in the text as {link_<name>}
    timeout_seconds: float


@dataclass(frozen=True)
class LineConfig:
    languages: tuple[Language, ...]
    called_numbers: Mapping[str, str]     # Twilio "To" -> language code
    contacts: Mapping[str, Contact]
    spoken_numbers: Mapping[str, str]     # said, never dialled (999, Childline)
    hours: OfficeHours
    routing: Routing
    input: InputSettings
    transfer: TransferSettings
    usage_database: str                   # SQLite file for the usage figures (DATABASE_URL wins)
    texting: TextSettings | None = None   # None: the line does not offer texts
    areas: Mapping[str, Area] = field(default_factory=dict)   # empty: the line serves one area
    default_area: str | None = None    # the area of calls to numbers without one; None: ask
    called_areas: Mapping[str, str] = field(default_factory=dict)   # Twilio "To" -> area
    # Each language's key on the language menu, kept when another is withheld (ivr/checks.py), so
    # that no key moves and no recording of "press 4" goes stale; empty: by the order of languages.
    menu_keys: Mapping[str, str] = field(default_factory=dict)

    def language(self, code: str | None) -> Language | None:
        return self._by_code.get(code)

    @functools.cached_property
    def _by_code(self) -> Mapping[str, Language]:
        return {lang.code: lang for lang in self.languages}

    @property
    def first_language(self) -> Language:
        """The line's first language: the teams', and a caller's who presses nothing."""
        return self.languages[0]

    @property
    def menu_languages(self) -> tuple[Language, ...]:
        """The languages the language menu offers, in order: key 1 is the first."""
        return tuple(lang for lang in self.languages if lang.on_menu)

    @property
    def multilingual(self) -> bool:
        """Whether there is a language menu (with one language on it, it is skipped)."""
        return len(self.menu_languages) > 1

    def menu_key(self, language: Language) -> str | None:
        if not language.on_menu:
            return None
        return self.menu_keys.get(language.code) or str(self.menu_languages.index(language) + 1)

    @functools.cached_property
    def routes(self) -> Routes:
        """The routing service: who answers, who is open, why, in every area."""
        return Routes(self.areas, self.default_area, self.no_area)

    def area(self, key: str | None) -> Area:
        """The area ``key``; without one, the line's own area, or on a regional number the view of a
        call whose area is not known yet (see Routes.area)."""
        return self.routes.area(key)

    @functools.cached_property
    def no_area(self) -> Area:
        return Area(None, "", self.contacts, self.routing, self.spoken_numbers)

    @property
    def several_areas(self) -> bool:
        """Whether the line has areas to ask about: then it can say all it needs for a regional
        number (area: null), whether or not it is one, so switching is one line of line.yaml."""
        return len(self.areas) > 1

    def every_area(self) -> tuple[Area, ...]:
        return self.routes.every_area()

    @property
    def numbers(self) -> Mapping[str, str]:
        """Every placeholder a prompt may use for a number, in any area, to a spoken form."""
        merged = {}
        for area in (*reversed(self.every_area()), self.area(None)):   # the line's own area's, where it has one
            merged.update(area.numbers)
        return merged

    @property
    def links(self) -> Mapping[str, str]:
        """{link_<name>} placeholders of the text message, to their web address."""
        return {f"link_{name}": url for name, url in (self.texting.links.items() if self.texting else ())}
