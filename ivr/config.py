"""line.yaml, validated once at start-up into plain immutable objects.

Every problem is collected and reported together, each naming its key, so an
operator can fix a whole file in one go.
"""
from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from babel import Locale, UnknownLocaleError

from . import vocabulary
from .hours import Closure, OfficeHours, Routing
from .vocabulary import primary as primary_language

E164 = re.compile(r"\+[1-9][0-9]{6,14}")   # whole strings only: see is_e164
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PLACEHOLDER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
AFTER_LIMIT = ("transfer", "goodbye")
# How long a number rings, as the caller hears it: Twilio is asked for 5 s less, which it adds back,
# and accepts no <Dial timeout> under 5 s (ivr/render.py, TWILIO_ADDS_SECONDS).
RING_SECONDS = (10, 120)
# Every setting line.yaml may have (section -> its keys; () where the keys are names).
KNOWN = {
    "timezone": (), "languages": (), "called_numbers": (), "contacts": (), "spoken_numbers": (),
    "area": (), "areas": (),
    "routing": ("in_hours", "out_of_hours", "not_sure", "override"),
    "office_hours": ("days", "open", "close", "bank_holidays", "closures"),
    "texting": ("from", "timeout_seconds", "links"),
    "usage": ("database",),
    "input": ("timeout_seconds", "max_silences", "max_wrong_keys", "after_limit"),
    "transfer": ("timeout_seconds", "caller_id", "screen_seconds"),
}
LANGUAGE_KEYS = ("code", "voice", "say_language", "speech", "menu")
CONTACT_KEYS = ("name", "number", "numbers", "spoken", "screen")
AREA_KEYS = ("name", "contacts", "office_hours")
CALLED_KEYS = ("language", "area")


def national_forms(number: str) -> set[str]:
    """The digits a published form of an E.164 number may have: national (0…) or international."""
    digits = number[1:]
    forms = {digits}
    if digits.startswith("44"):
        forms.add("0" + digits[2:])
    return forms


def grouped(number: str) -> str:
    """A UK number as usually published (0300 1234 333, 028 9504 9999), for an example in a message."""
    national = "0" + number[3:] if number.startswith("+44") else number
    if national.startswith(("02",)):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return f"{national[:4]} {national[4:8]} {national[8:]}"


class ConfigError(Exception):
    """The line's files are not usable; ``problems`` holds one line per problem, and ``lines()``
    the same, each naming the file (``source``) where the problem does not name its own place."""

    def __init__(self, source: str | None, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.source}: {problem}" if self.source else problem for problem in self.problems]


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


@dataclass(frozen=True)
class Dialled:
    number: str          # E.164: what is dialled
    ring_seconds: int    # how long it rings before the next number is tried


@dataclass(frozen=True)
class Contact:
    key: str
    numbers: tuple[Dialled, ...]   # tried in order; the first is the one callers are told
    spoken: str   # the first number as published, said digit group by digit group
    name: str = ""   # for the people running the line (the console); callers hear prompts instead
    screen: bool = True   # whoever answers must press 1 first, so no voicemail takes a caller

    @property
    def number(self) -> str:
        return self.numbers[0].number


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
    screen_seconds: int = 10   # how long the person answering has to press 1


@dataclass(frozen=True)
class TextSettings:
    sender: str                  # the Twilio number texts come from
    links: Mapping[str, str]     # name -> web address, used in the text as {link_<name>}
    timeout_seconds: float


@dataclass(frozen=True)
class Area:
    """Where a child lives, as far as who answers is concerned: its contacts (the line's, with the
    area's own in place of some) and their routing, under its office hours. ``key`` None: the area
    is not known (a regional number, before the caller is asked), or the line has no areas."""
    key: str | None
    name: str
    contacts: Mapping[str, Contact]
    routing: Routing
    spoken_numbers: Mapping[str, str]

    @functools.cached_property
    def numbers(self) -> Mapping[str, str]:
        """Every placeholder a prompt may use for a number here, to its spoken form."""
        merged = {key: c.spoken for key, c in self.contacts.items()}
        merged.update(self.spoken_numbers)
        return MappingProxyType(merged)


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
    texting: TextSettings | None = None   # None: the line does not offer texts
    usage_database: str = "var/usage.sqlite3"   # SQLite file for the usage figures (DATABASE_URL wins)
    areas: Mapping[str, Area] = field(default_factory=dict)   # empty: the line serves one area
    default_area: str | None = None    # the area of calls to numbers without one; None: ask
    called_areas: Mapping[str, str] = field(default_factory=dict)   # Twilio "To" -> area

    def language(self, code: str | None) -> Language | None:
        return self._by_code.get(code)

    @functools.cached_property
    def _by_code(self) -> Mapping[str, Language]:
        return {lang.code: lang for lang in self.languages}

    @property
    def menu_languages(self) -> tuple[Language, ...]:
        """The languages the language menu offers, in order: key 1 is the first."""
        return tuple(lang for lang in self.languages if lang.on_menu)

    def menu_key(self, language: Language) -> str | None:
        return str(self.menu_languages.index(language) + 1) if language.on_menu else None

    def area(self, key: str | None) -> Area:
        """The area ``key``; without one, the line's own area (``default_area``), or, on a regional
        number, the view of a call whose area is not known yet (routing.in_hours: not_sure)."""
        return self.areas.get(key) or self.areas.get(self.default_area) or self.no_area

    @functools.cached_property
    def no_area(self) -> Area:
        return Area(None, "", self.contacts, self.routing, self.spoken_numbers)

    @property
    def several_areas(self) -> bool:
        """Whether the line has areas to ask about: then it can say all it needs for a regional
        number (area: null), whether or not it is one, so switching is one line of line.yaml."""
        return len(self.areas) > 1

    @property
    def asks_area(self) -> bool:
        """Whether some calls come in with no area known (a regional number)."""
        return len(self.areas) > 1 and self.default_area is None

    def every_area(self) -> tuple[Area, ...]:
        """Each area a call can be in, the unknown one included where a call can be there."""
        return tuple(self.areas.values()) + ((self.no_area,) if self.asks_area or not self.areas else ())

    def needs_area(self, now: dt.datetime) -> bool:
        """Whether who answers now depends on the area: only then is a caller asked for it."""
        return self.asks_area and len({a.routing.route_for(now).number for a in self.areas.values()}) > 1

    def why(self, number: str, now: dt.datetime, area: str | None = None) -> str:
        """Why a transfer to ``number`` goes there now, for a transcript: in ``area`` if the call is
        known to be there, else in whichever area's routing dials that number now."""
        views = [self.area(area)] if area else self.every_area()
        for view in views:
            answering = view.routing.route_for(now)
            if number in (n.number for n in answering.numbers):
                own = view.key and answering.key not in self.contacts and view.name not in answering.name
                return view.routing.why(number, now) + (f" ({view.name})" if own else "")
        return views[0].routing.why(number, now)

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


def is_e164(value: Any) -> bool:
    """A phone number in E.164 form, and nothing else (not even a newline after it)."""
    return isinstance(value, str) and E164.fullmatch(value) is not None


# libyaml's parser when PyYAML was built with it (the wheels are): the same safe loading, several
# times faster, which matters at every start (line.yaml, the menu, the English prompts, manifests).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """yaml.safe_load, with libyaml's parser when there is one."""
    return yaml.load(text, Loader=SAFE_LOADER)


def read_yaml(path: str | Path) -> Any:
    """A YAML file of the line's (line.yaml, the menu, the English prompts), or a ConfigError saying why not."""
    path = Path(path)
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot be read: {exc.strerror}"]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["is not UTF-8 text: save it as UTF-8"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigError(str(path), [f"is not valid YAML{where}: {what}"]) from None


def load(path: str | Path) -> LineConfig:
    return parse(read_yaml(path), source=str(path))


def parse(raw: Any, source: str = "line.yaml") -> LineConfig:
    reader = _Reader()
    config = reader.line(raw)
    if reader.problems:
        raise ConfigError(source, reader.problems)
    return config


class _Reader:
    """Reads each section, noting problems instead of stopping at the first."""

    def __init__(self):
        self.problems: list[str] = []

    def problem(self, key: str, text: str) -> None:
        self.problems.append(f"{key}: {text}")

    # -- plain values -------------------------------------------------------
    def mapping(self, value: Any, key: str, required: bool = True) -> dict:
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.problem(key, "is missing" if value is None else "must be a mapping of names to values")
            return {}
        return value

    def integer(self, section: dict, name: str, key: str, default: int, low: int, high: int) -> int:
        value = section.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(f"{key}.{name}", f"must be a whole number from {low} to {high}, not {value!r}")
            return default
        return value

    def e164(self, value: Any, key: str) -> str:
        if not is_e164(value):
            self.problem(key, f"{value!r} is not a phone number in E.164 form (like \"+443001234333\", in quotes)")
            return ""
        return value

    def clock_time(self, value: Any, key: str) -> dt.time | None:
        if isinstance(value, str):
            try:
                return dt.time.fromisoformat(value)
            except ValueError:
                pass
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            # YAML 1.1 reads an unquoted 17:00 as minutes (1020)
            self.problem(key, f"{value} is {value // 60:02d}:{value % 60:02d} read as a number: write the time "
                              f"in quotes, like \"{value // 60:02d}:{value % 60:02d}\"")
            return None
        self.problem(key, f"{value!r} is not a time like \"09:00\" (write it in quotes)")
        return None

    def local_datetime(self, value: Any, key: str, zone: ZoneInfo) -> dt.datetime:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime.combine(value, dt.time(0))
        else:
            try:
                moment = dt.datetime.fromisoformat(str(value))
            except ValueError:
                self.problem(key, f"{value!r} is not a date or date and time like \"2026-12-24 13:00\"")
                return dt.datetime(1970, 1, 1, tzinfo=zone)
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)

    def unknown_keys(self, raw: dict) -> None:
        """A misspelt key would be silently ignored, and the line would run on a default: name it."""
        def check(section: Any, known: tuple[str, ...], where: str) -> None:
            if not isinstance(section, dict):
                return
            for key in section:
                if key not in known:
                    close = difflib.get_close_matches(str(key), known, n=1)
                    hint = f"; did you mean {close[0]}?" if close else f" (known: {', '.join(known)})"
                    self.problem(f"{where}{key}", f"is not a setting the line knows{hint}")
        check(raw, tuple(KNOWN), "")
        for section, known in KNOWN.items():
            if known:
                check(raw.get(section), known, f"{section}.")
        for index, language in enumerate(raw.get("languages") or []):
            check(language, LANGUAGE_KEYS, f"languages[{index}].")
        for name, contact in (raw.get("contacts") or {}).items() if isinstance(raw.get("contacts"), dict) else ():
            check(contact, CONTACT_KEYS, f"contacts.{name}.")
        for name, area in (raw.get("areas") or {}).items() if isinstance(raw.get("areas"), dict) else ():
            if not isinstance(area, dict):
                continue
            check(area, AREA_KEYS, f"areas.{name}.")
            check(area.get("office_hours"), KNOWN["office_hours"], f"areas.{name}.office_hours.")
            for contact_name, contact in (area.get("contacts") or {}).items() \
                    if isinstance(area.get("contacts"), dict) else ():
                check(contact, CONTACT_KEYS, f"areas.{name}.contacts.{contact_name}.")

    # -- sections -----------------------------------------------------------
    def line(self, raw: Any) -> LineConfig | None:
        raw = self.mapping(raw, "line.yaml")
        self.unknown_keys(raw)
        zone = self.zone(raw.get("timezone"))
        languages = self.languages(raw.get("languages"))
        transfer = self.transfer(raw.get("transfer"))
        contacts = self.contacts(raw.get("contacts"), transfer.timeout_seconds, required=not raw.get("areas"))
        spoken = self.spoken_numbers(raw.get("spoken_numbers"), contacts)
        hours = self.office_hours(raw.get("office_hours"), zone)
        areas = self.areas(raw, contacts, spoken, zone, transfer.timeout_seconds, hours)
        default_area = self.default_area(raw, areas)
        called, called_areas = self.called_numbers(raw.get("called_numbers"), languages, areas)
        routing = self.routing(raw.get("routing"), contacts, hours, areas, default_area)
        input_settings = self.input(raw.get("input"))
        texting = self.texting(raw.get("texting"))
        usage = self.mapping(raw.get("usage"), "usage", required=False)
        usage_database = usage.get("database", "var/usage.sqlite3")
        if not isinstance(usage_database, str) or not usage_database.strip():
            self.problem("usage.database", f"{usage_database!r} must be the path of a SQLite file")
        if self.problems:
            return None
        return LineConfig(
            languages=languages,
            called_numbers=MappingProxyType(called),
            contacts=MappingProxyType(contacts),
            spoken_numbers=MappingProxyType(spoken),
            hours=hours,
            routing=routing,
            input=input_settings,
            transfer=transfer,
            texting=texting,
            usage_database=usage_database,
            areas=MappingProxyType(areas),
            default_area=default_area,
            called_areas=MappingProxyType(called_areas),
        )

    def zone(self, value: Any) -> ZoneInfo:
        if value is None:
            self.problem("timezone", "is missing (for Northern Ireland: Europe/London)")
            return ZoneInfo("UTC")
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            self.problem("timezone", f"{value!r} is not a known time zone (for Northern Ireland: Europe/London)")
            return ZoneInfo("UTC")

    def languages(self, value: Any) -> tuple[Language, ...]:
        if not isinstance(value, list) or not value:
            self.problem("languages", "must list at least one language, in menu order")
            return ()
        result, seen = [], set()
        for index, item in enumerate(value):
            key = f"languages[{index}]"
            item = self.mapping(item, key)
            code = item.get("code")
            if not code:
                self.problem(f"{key}.code", "is missing (a BCP 47 code such as en-GB)")
                continue
            try:
                locale = str(Locale.parse(str(code), sep="-"))
            except (ValueError, UnknownLocaleError):
                self.problem(f"{key}.code", f"{code!r} is not a known BCP 47 language code (such as en-GB or pl)")
                continue
            if code in seen:
                self.problem(f"{key}.code", f"{code!r} is listed twice")
            seen.add(code)
            voice, say_language = item.get("voice"), item.get("say_language")
            if voice is None:
                say_language = None   # no Twilio voice: every prompt must have a recording
            else:
                self.voice(key, str(code), voice, say_language)
            speech = item.get("speech")
            if speech is not None and (speech not in vocabulary.load().gather_languages
                                       or primary_language(str(speech)) != primary_language(str(code))):
                self.problem(f"{key}.speech", f"{speech!r} is not a language Twilio recognises speech in for "
                                              f"{code} (null: keypad only)")
                speech = None
            on_menu = item.get("menu", True)
            if not isinstance(on_menu, bool):
                self.problem(f"{key}.menu", f"{on_menu!r} must be true or false")
                on_menu = True
            result.append(Language(str(code), locale, voice and str(voice), say_language and str(say_language),
                                   speech and str(speech), on_menu))
        offered = [lang for lang in result if lang.on_menu]
        if len(offered) > 9:
            self.problem("languages", f"{len(offered)} languages are on the language menu, but the keypad offers "
                                      "keys 1 to 9 only: give the others `menu: false` and their own number")
        if result and not result[0].on_menu:
            self.problem("languages[0].menu", "the first language is the one callers get when they press "
                                              "nothing, so it must be on the menu")
        return tuple(result)

    def voice(self, key: str, code: str, voice: Any, say_language: Any) -> None:
        """A voice Twilio offers today for ``code`` (ivr/twilio_vocabulary.json), else one line naming
        the language and a voice to use instead."""
        problem = vocabulary.load().voice_problem(str(voice), say_language, code)
        if problem:
            where = "say_language" if problem.startswith("say_language") else "voice"
            self.problem(f"{key}.{where}", f"language {code}: {problem}")

    def contacts(self, value: Any, ring_seconds: int, required: bool = True,
                 where: str = "contacts") -> dict[str, Contact]:
        result = {}
        for name, item in self.mapping(value, where, required=required).items():
            key = f"{where}.{name}"
            if not PLACEHOLDER_NAME.match(str(name)):
                self.problem(key, "names are lower-case letters, digits and _ (they are used in prompts as {name})")
            item = self.mapping(item, key)
            numbers = self.dialled(item, key, ring_seconds)
            spoken = item.get("spoken")
            digits = re.sub(r"\s", "", str(spoken or ""))
            first = numbers[0].number if numbers else ""
            if not isinstance(spoken, str) or not digits.isdigit():
                self.problem(f"{key}.spoken", f"{spoken!r} must be the number as published, digits in groups (like \"0300 1234 333\")")
            elif first and digits not in national_forms(first):
                self.problem(f"{key}.spoken", f"{spoken!r} is not the same number as {first}: write all of it "
                                              f"as published, like \"{grouped(first)}\"")
            screen = item.get("screen", True)
            if not isinstance(screen, bool):
                self.problem(f"{key}.screen", f"{screen!r} must be true (whoever answers presses 1 first) or false")
                screen = True
            result[str(name)] = Contact(str(name), numbers, str(spoken), str(item.get("name") or name), screen)
        if value is not None and not result and required:
            self.problem(where, "must name at least one contact")
        return result

    def dialled(self, item: dict, key: str, ring_seconds: int) -> tuple[Dialled, ...]:
        """A contact's numbers, in order: `number` alone, or `numbers` (each {number, ring_seconds})."""
        if "numbers" in item and "number" in item:
            self.problem(f"{key}.numbers", "give either number or numbers, not both")
        raw = item.get("numbers", [{"number": item.get("number")}])
        if not isinstance(raw, list) or not raw:
            self.problem(f"{key}.numbers", "must list at least one number, each {number: \"+44...\", ring_seconds: 20}")
            return ()
        found = []
        for index, entry in enumerate(raw):
            where = f"{key}.numbers[{index}]" if "numbers" in item else f"{key}.number"
            entry = entry if isinstance(entry, dict) else {"number": entry}
            number = self.e164(entry.get("number"), f"{where}.number" if "numbers" in item else where)
            ring = self.integer(entry, "ring_seconds", where, ring_seconds, RING_SECONDS[0], RING_SECONDS[1])
            if number in (n.number for n in found):
                self.problem(f"{where}.number", f"{number} is listed twice")
            found.append(Dialled(number, ring))
        return tuple(found)

    def spoken_numbers(self, value: Any, contacts: Mapping[str, Contact]) -> dict[str, str]:
        result = {}
        for name, spoken in self.mapping(value, "spoken_numbers", required=False).items():
            key = f"spoken_numbers.{name}"
            if not PLACEHOLDER_NAME.match(str(name)):
                self.problem(key, "names are lower-case letters, digits and _")
            elif name in contacts:
                self.problem(key, "is also a contact; give it another name")
            if not re.fullmatch(r"[0-9]+( [0-9]+)*", str(spoken)):
                self.problem(key, f"{spoken!r} must be digits, in groups separated by single spaces")
            result[str(name)] = str(spoken)
        return result

    def called_numbers(self, value: Any, languages: tuple[Language, ...],
                       areas: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        """Numbers of the line's own with a language ("+44...": pl), an area ({area: belfast}),
        or both ({language: pl, area: belfast}): calls to them skip that question."""
        codes = {lang.code for lang in languages}
        languages_by_number, areas_by_number = {}, {}
        for number, what in self.mapping(value, "called_numbers", required=False).items():
            key = f"called_numbers.{number}"
            self.e164(number, key)
            what = what if isinstance(what, dict) else {"language": what}
            for name in what:
                if name not in CALLED_KEYS:
                    self.problem(f"{key}.{name}", f"is not a setting the line knows (known: {', '.join(CALLED_KEYS)})")
            code, area = what.get("language"), what.get("area")
            if code is not None:
                if code not in codes:
                    hint = f"; for an area, write {{area: {code}}}" if code in areas else ""
                    self.problem(key, f"{code!r} is not one of the languages listed under languages{hint}")
                languages_by_number[str(number)] = str(code)
            if area is not None:
                if area not in areas:
                    known = ", ".join(areas) or "none: the line has no areas"
                    self.problem(f"{key}.area", f"{area!r} is not an area under areas (areas: {known})")
                areas_by_number[str(number)] = str(area)
            if code is None and area is None:
                self.problem(key, "give the number's language (pl) or {language: pl, area: belfast}")
        return languages_by_number, areas_by_number

    def areas(self, raw: dict, contacts: dict[str, Contact], spoken: Mapping[str, str], zone: ZoneInfo,
              ring_seconds: int, line_hours: OfficeHours) -> dict[str, "Area"]:
        """Each area: the line's contacts with the area's own in place of some, under the line's
        office hours with the area's own settings in place of some."""
        value = raw.get("areas")
        if value is None:
            return {}
        section = self.mapping(value, "areas")
        if not section:
            self.problem("areas", "lists no area: remove it for a line with one area, or list each area")
        routing = raw.get("routing") if isinstance(raw.get("routing"), dict) else {}
        shared_hours = raw.get("office_hours") if isinstance(raw.get("office_hours"), dict) else {}
        result = {}
        for name, item in section.items():
            key = f"areas.{name}"
            if not PLACEHOLDER_NAME.match(str(name)):
                self.problem(key, "names are lower-case letters, digits and _ (they are used in menu.yaml and URLs)")
            item = self.mapping(item, key)
            own = self.contacts(item.get("contacts"), ring_seconds, required=False, where=f"{key}.contacts")
            for contact in own:
                if contact in spoken:
                    self.problem(f"{key}.contacts.{contact}", "is also under spoken_numbers; give it another name")
            override = self.mapping(item.get("office_hours"), f"{key}.office_hours", required=False)
            hours = self.office_hours({**shared_hours, **override}, zone, where=f"{key}.office_hours") \
                if override else line_hours
            merged = {**contacts, **own}
            area_routing = self.route(routing, merged, hours, where=key)
            result[str(name)] = Area(str(name), str(item.get("name") or name), MappingProxyType(merged),
                                     area_routing, MappingProxyType(dict(spoken)))
        return result

    def default_area(self, raw: dict, areas: Mapping[str, "Area"]) -> str | None:
        if not areas:
            if raw.get("area") is not None:
                self.problem("area", f"{raw.get('area')!r}: the line has no areas; remove it, or list areas")
            return None
        if "area" not in raw:
            self.problem("area", "is missing: the area of calls to numbers not under called_numbers "
                                 f"(one of: {', '.join(areas)}), or null to ask callers (a regional number)")
            return None
        value = raw.get("area")
        if value is None and len(areas) == 1:
            return next(iter(areas))   # one area: there is nothing to ask
        if value is not None and value not in areas:
            self.problem("area", f"{value!r} is not an area under areas (areas: {', '.join(areas)}; null: ask callers)")
            return None
        return value

    def office_hours(self, value: Any, zone: ZoneInfo, where: str = "office_hours") -> OfficeHours:
        section = self.mapping(value, where)
        days = section.get("days", list(WEEKDAYS[:5]))
        if days in ([], None, ""):
            self.problem(f"{where}.days", "lists no day: the office would never open; list the days it "
                                              "opens, like [Mon, Tue, Wed, Thu, Fri]")
            days = []
        weekdays = set()
        for index, day in enumerate(days if isinstance(days, list) else [days]):
            name = str(day).lower()[:3]
            if name not in WEEKDAYS or len(str(day)) < 3:
                self.problem(f"{where}.days[{index}]", f"{day!r} is not a weekday (Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
            else:
                weekdays.add(WEEKDAYS.index(name))
        opens = self.clock_time(section.get("open", "09:00"), f"{where}.open")
        closes = self.clock_time(section.get("close", "17:00"), f"{where}.close")
        if opens and closes and closes <= opens:   # (one problem per mistake: not when a time is unreadable)
            self.problem(f"{where}.close", f"{closes:%H:%M} is not after {where}.open ({opens:%H:%M})")
        opens, closes = opens or dt.time(9), closes or dt.time(17)
        calendar = self.bank_holidays(section.get("bank_holidays", {"country": "GB", "subdivision": "NIR"}), where)
        closures = []
        raw_closures = section.get("closures") or []
        if not isinstance(raw_closures, list):
            self.problem(f"{where}.closures", "must be a list of dates or {from, to} ranges")
            raw_closures = []
        for index, item in enumerate(raw_closures):
            key = f"{where}.closures[{index}]"
            if isinstance(item, dict):
                start = self.local_datetime(item.get("from"), f"{key}.from", zone)
                end = self.local_datetime(item.get("to"), f"{key}.to", zone)
            else:
                start = self.local_datetime(item, key, zone)
                end = start + dt.timedelta(days=1)
                if isinstance(item, dt.datetime) or (isinstance(item, str) and len(item) > 10):
                    self.problem(key, "a single entry closes a whole day: give a date, or {from: ..., to: ...}")
            if end <= start:
                self.problem(f"{key}.to", "ends before it starts")
            closures.append(Closure(start, end))
        return OfficeHours(zone, frozenset(weekdays), opens, closes, calendar, tuple(closures))

    def bank_holidays(self, value: Any, where: str = "office_hours"):
        if value in (None, False):
            return None
        section = self.mapping(value, f"{where}.bank_holidays")
        country, subdivision = section.get("country"), section.get("subdivision")
        try:
            # Asked for one country only: listing every supported country would load them all.
            return holidays.country_holidays(str(country), subdiv=subdivision)
        except NotImplementedError as error:
            if "subdivision" in str(error):
                self.problem(f"{where}.bank_holidays.subdivision",
                             f"{subdivision!r} is not a subdivision of {country} (NIR for Northern Ireland)")
            else:
                self.problem(f"{where}.bank_holidays.country",
                             f"{country!r} is not a country code the holidays package knows (GB for the UK)")
        return None

    def routing(self, value: Any, contacts: Mapping[str, Contact], hours: OfficeHours,
                areas: Mapping[str, "Area"], default_area: str | None) -> Routing:
        """The line's own routing: of its one area; with areas, of its own area (`area`), or on a
        regional number, of a call whose area is not known (in office hours: routing.not_sure)."""
        section = self.mapping(value, "routing")
        if areas and default_area is not None:
            return areas[default_area].routing
        if len(areas) > 1:
            if section.get("not_sure") is None:
                self.problem("routing.not_sure", "is missing: who answers in office hours a caller who does not "
                                                 "know the child's area (a contact under contacts)")
                return Routing(hours, None, None)
            return self.route(section, contacts, hours, in_hours="not_sure")
        return self.route(section, contacts, hours)

    def route(self, section: dict, contacts: Mapping[str, Contact], hours: OfficeHours, where: str = "",
              in_hours: str = "in_hours") -> Routing:
        """The contacts routing names, among ``contacts`` (an area's, when ``where`` names it)."""
        chosen = {}
        for name in (in_hours, "out_of_hours", "override"):
            key = section.get(name)
            if key is None and name == "override":
                chosen[name] = None
                continue
            if key not in contacts:
                if where:   # an area: it lacks a contact the routing names
                    self.problem(where, f"has no contact {key!r} (routing.{name}): give it one under "
                                        f"{where}.contacts, or under contacts for every area")
                else:
                    known = ", ".join(sorted(contacts)) or "none"
                    self.problem(f"routing.{name}", f"{key!r} is not a contact in line.yaml (contacts: {known})")
            chosen[name] = contacts.get(key)
        return Routing(hours, chosen[in_hours], chosen["out_of_hours"], chosen["override"])

    def input(self, value: Any) -> InputSettings:
        section = self.mapping(value, "input", required=False)
        after = section.get("after_limit", "transfer")
        if after not in AFTER_LIMIT:
            self.problem("input.after_limit", f"{after!r} must be one of: {', '.join(AFTER_LIMIT)}")
        return InputSettings(
            timeout_seconds=self.integer(section, "timeout_seconds", "input", 8, 3, 60),
            max_silences=self.integer(section, "max_silences", "input", 3, 1, 10),
            max_wrong_keys=self.integer(section, "max_wrong_keys", "input", 3, 1, 10),
            after_limit=after,
        )

    def texting(self, value: Any) -> TextSettings | None:
        section = self.mapping(value, "texting", required=False)
        if not section or section.get("from") is None:
            return None
        sender = self.e164(section.get("from"), "texting.from")
        links = {}
        for name, url in self.mapping(section.get("links"), "texting.links", required=False).items():
            if not PLACEHOLDER_NAME.match(str(name)):
                self.problem(f"texting.links.{name}", "names are lower-case letters, digits and _")
            if not isinstance(url, str) or not url.startswith("https://") or " " in url:
                self.problem(f"texting.links.{name}", f"{url!r} must be a web address starting https://")
            links[str(name)] = str(url)
        timeout = section.get("timeout_seconds", 4)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 1 <= timeout <= 10:
            self.problem("texting.timeout_seconds", f"must be a number of seconds from 1 to 10, not {timeout!r}")
            timeout = 4
        return TextSettings(sender, MappingProxyType(links), float(timeout))

    def transfer(self, value: Any) -> TransferSettings:
        section = self.mapping(value, "transfer", required=False)
        caller_id = section.get("caller_id")
        if caller_id is not None:
            caller_id = self.e164(caller_id, "transfer.caller_id")
        return TransferSettings(
            timeout_seconds=self.integer(section, "timeout_seconds", "transfer", 30, RING_SECONDS[0], RING_SECONDS[1]),
            caller_id=caller_id,
            screen_seconds=self.integer(section, "screen_seconds", "transfer", 10, 3, 60),
        )
