"""Reads line.yaml into the line's settings (ivr/config.py), through its one schema
(ivr/line_schema.py: each key's kind, range and default, and the unknown-key check).

Every problem is collected and reported together, each naming its key, so an operator can fix a
whole file in one go. Here are the rules between keys, which no schema holds: a routing that
names a contact, a spoken number that is the dialled one, an area's contacts and hours.
"""
from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from babel import Locale, UnknownLocaleError

from . import line_schema, vocabulary
from .config import InputSettings, Language, LineConfig, TextSettings, TransferSettings
from .contacts_reader import ContactsReading
from .files import ConfigError, read_yaml
from .hours_reader import HoursReading
from .routing import Area
from .schema import MISSING, NAME
from .vocabulary import primary as primary_language

CALLED_KEYS = tuple(line_schema.node_at("called_numbers.*").keys)


def load(path: str | Path) -> LineConfig:
    return read(read_yaml(path), source=str(path))


def read(raw: Any, source: str = "line.yaml") -> LineConfig:
    reader = _Reader()
    config = reader.line(raw)
    if reader.problems:
        raise ConfigError(source, reader.problems)
    return config


parse = read


class _Reader(ContactsReading, HoursReading):
    """Reads each section, noting problems instead of stopping at the first."""

    def __init__(self):
        self.problems: list[str] = []

    def problem(self, key: str, text: str) -> None:
        line = f"{key}: {text}"
        if line not in self.problems:   # (a shared setting read for each area is named once)
            self.problems.append(line)

    def mapping(self, value: Any, key: str, required: bool = True) -> dict:
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.problem(key, "is missing" if value is None else "must be a mapping of names to values")
            return {}
        return value

    def value(self, section: dict, path: str, where: str | None = None, **options) -> Any:
        """``section``'s key (the last part of ``path``), read as the schema says, its problems
        named at ``where`` (default: ``path``)."""
        name = path.rsplit(".", 1)[-1]
        return line_schema.node_at(path).read(section.get(name, MISSING), f"{where or path.rsplit('.', 1)[0]}.{name}",
                                         self.problem, **options)

    # -- sections -----------------------------------------------------------
    def line(self, raw: Any) -> LineConfig | None:
        raw = self.mapping(raw, "line.yaml")
        line_schema.unknown_keys(raw, self.problem)
        zone = line_schema.node_at("timezone").read(raw.get("timezone"), "timezone", self.problem)
        languages = self.languages(raw.get("languages"))
        transfer = self.transfer(raw.get("transfer"))
        hours = self.office_hours(raw.get("office_hours"), zone)
        contacts = self.contacts(raw.get("contacts"), transfer.timeout_seconds, zone, required=not raw.get("areas"))
        spoken = self.spoken_numbers(raw.get("spoken_numbers"), contacts)
        areas = self.areas(raw, contacts, spoken, zone, transfer.timeout_seconds, hours)
        default_area = self.default_area(raw, areas)
        called, called_areas = self.called_numbers(raw.get("called_numbers"), languages, areas)
        routing = self.routing(raw.get("routing"), contacts, hours, areas, default_area)
        input_settings = self.input(raw.get("input"))
        texting = self.texting(raw.get("texting"))
        usage = self.mapping(raw.get("usage"), "usage", required=False)
        usage_database = usage.get("database", line_schema.node_at("usage.database").default)
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
            usage_database=usage_database,
            texting=texting,
            areas=MappingProxyType(areas),
            default_area=default_area,
            called_areas=MappingProxyType(called_areas),
        )

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
            on_menu = self.value(item, "languages.*.menu", key)
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

    def called_numbers(self, value: Any, languages: tuple[Language, ...],
                       areas: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        """Numbers of the line's own with a language ("+44...": pl), an area ({area: belfast}),
        or both ({language: pl, area: belfast}): calls to them skip that question."""
        codes = {lang.code for lang in languages}
        languages_by_number, areas_by_number = {}, {}
        for number, what in self.mapping(value, "called_numbers", required=False).items():
            key = f"called_numbers.{number}"
            line_schema.node_at("contacts.*.number").read(number, key, self.problem)
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

    def default_area(self, raw: dict, areas: Mapping[str, Area]) -> str | None:
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

    def input(self, value: Any) -> InputSettings:
        section = self.mapping(value, "input", required=False)
        return InputSettings(
            timeout_seconds=self.value(section, "input.timeout_seconds"),
            max_silences=self.value(section, "input.max_silences"),
            max_wrong_keys=self.value(section, "input.max_wrong_keys"),
            after_limit=self.value(section, "input.after_limit"),
        )

    def texting(self, value: Any) -> TextSettings | None:
        section = self.mapping(value, "texting", required=False)
        if not section or section.get("from") is None:
            return None
        sender = self.value(section, "texting.from")
        links = {}
        for name, url in self.mapping(section.get("links"), "texting.links", required=False).items():
            if not NAME.match(str(name)):
                self.problem(f"texting.links.{name}", "names are lower-case letters, digits and _")
            if not isinstance(url, str) or not url.startswith("https://") or " " in url:
                self.problem(f"texting.links.{name}", f"{url!r} must be a web address starting https://")
            links[str(name)] = str(url)
        return TextSettings(sender, MappingProxyType(links), self.value(section, "texting.timeout_seconds"))

    def transfer(self, value: Any) -> TransferSettings:
        section = self.mapping(value, "transfer", required=False)
        caller_id = section.get("caller_id")
        if caller_id is not None:
            caller_id = self.value(section, "transfer.caller_id")
        return TransferSettings(
            timeout_seconds=self.value(section, "transfer.timeout_seconds"),
            caller_id=caller_id,
            screen_seconds=self.value(section, "transfer.screen_seconds"),
        )
