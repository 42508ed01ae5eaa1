"""Reads line.yaml into the line's settings (ivr/config.py), through its one schema
(ivr/line_schema.py: each key's kind, range and default, and the unknown-key check).

Every problem is collected and reported together, each naming its key, so an operator can fix a
whole file in one go. Here are the rules between keys, which no schema holds: a routing that
names a contact, a spoken number that is the dialled one, an area's contacts and hours.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import holidays
from babel import Locale, UnknownLocaleError

from . import line_schema as schema
from . import vocabulary
from .config import InputSettings, Language, LineConfig, TextSettings, TransferSettings
from .files import ConfigError, read_yaml
from .line_schema import MISSING, NAME, WEEKDAYS
from .phone_numbers import grouped, national_forms
from .routing import NAMED_HOURS, Area, Closure, Contact, Dialled, OfficeHours, Routing
from .vocabulary import primary as primary_language

CALLED_KEYS = tuple(schema.node_at("called_numbers.*").keys)


def load(path: str | Path) -> LineConfig:
    return read(read_yaml(path), source=str(path))


def read(raw: Any, source: str = "line.yaml") -> LineConfig:
    reader = _Reader()
    config = reader.line(raw)
    if reader.problems:
        raise ConfigError(source, reader.problems)
    return config


parse = read


class _Reader:
    """Reads each section, noting problems instead of stopping at the first."""

    def __init__(self):
        self.problems: list[str] = []

    def problem(self, key: str, text: str) -> None:
        self.problems.append(f"{key}: {text}")

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
        return schema.node_at(path).read(section.get(name, MISSING), f"{where or path.rsplit('.', 1)[0]}.{name}",
                                         self.problem, **options)

    # -- sections -----------------------------------------------------------
    def line(self, raw: Any) -> LineConfig | None:
        raw = self.mapping(raw, "line.yaml")
        schema.unknown_keys(raw, self.problem)
        zone = schema.node_at("timezone").read(raw.get("timezone"), "timezone", self.problem)
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
        usage_database = usage.get("database", schema.node_at("usage.database").default)
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

    def contacts(self, value: Any, ring_seconds: int, zone, required: bool = True,
                 where: str = "contacts") -> dict[str, Contact]:
        result = {}
        for name, item in self.mapping(value, where, required=required).items():
            key = f"{where}.{name}"
            if not NAME.match(str(name)):
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
            screen = self.value(item, "contacts.*.screen", key)
            hours = self.contact_hours(item.get("hours"), f"{key}.hours", zone)
            result[str(name)] = Contact(str(name), numbers, str(spoken), str(item.get("name") or name), screen, hours)
        if value is not None and not result and required:
            self.problem(where, "must name at least one contact")
        return result

    def contact_hours(self, value: Any, key: str, zone):
        """A contact's own hours: one of NAMED_HOURS, or office hours of its own (see ivr/routing.py)."""
        if value is None or value in NAMED_HOURS:
            return value
        if isinstance(value, dict):
            return self.office_hours(value, zone, where=key)
        self.problem(key, f"{value!r} must be one of: {', '.join(NAMED_HOURS)}; or days and times of its own "
                          "({days: [Mon, Tue], open: \"08:00\", close: \"22:00\"})")
        return None

    def dialled(self, item: dict, key: str, ring_seconds: int) -> tuple[Dialled, ...]:
        """A contact's numbers, in order: `number` alone, or `numbers` (each {number, ring_seconds})."""
        if "numbers" in item and "number" in item:
            self.problem(f"{key}.numbers", "give either number or numbers, not both")
        raw = item.get("numbers", [{"number": item.get("number")}])
        if not isinstance(raw, list) or not raw:
            self.problem(f"{key}.numbers", "must list at least one number, each {number: \"+44...\", ring_seconds: 20}")
            return ()
        ring = schema.node_at("contacts.*.numbers.ring_seconds")
        found = []
        for index, entry in enumerate(raw):
            where = f"{key}.numbers[{index}]" if "numbers" in item else f"{key}.number"
            entry = entry if isinstance(entry, dict) else {"number": entry}
            number = schema.node_at("contacts.*.number").read(
                entry.get("number"), f"{where}.number" if "numbers" in item else where, self.problem)
            seconds = ring.read(entry.get("ring_seconds", MISSING), f"{where}.ring_seconds", self.problem,
                                default=ring_seconds)
            if number in (n.number for n in found):
                self.problem(f"{where}.number", f"{number} is listed twice")
            found.append(Dialled(number, seconds))
        return tuple(found)

    def spoken_numbers(self, value: Any, contacts: Mapping[str, Contact]) -> dict[str, str]:
        result = {}
        for name, spoken in self.mapping(value, "spoken_numbers", required=False).items():
            key = f"spoken_numbers.{name}"
            if not NAME.match(str(name)):
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
            schema.node_at("contacts.*.number").read(number, key, self.problem)
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

    def areas(self, raw: dict, contacts: dict[str, Contact], spoken: Mapping[str, str], zone,
              ring_seconds: int, line_hours: OfficeHours) -> dict[str, Area]:
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
            if not NAME.match(str(name)):
                self.problem(key, "names are lower-case letters, digits and _ (they are used in menu.yaml and URLs)")
            item = self.mapping(item, key)
            own = self.contacts(item.get("contacts"), ring_seconds, zone, required=False, where=f"{key}.contacts")
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

    def office_hours(self, value: Any, zone, where: str = "office_hours") -> OfficeHours:
        section = self.mapping(value, where)
        days = section.get("days", schema.node_at("office_hours.days").default)
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
        opens = self.value(section, "office_hours.open", where)
        closes = self.value(section, "office_hours.close", where)
        if opens and closes and closes <= opens:   # (one problem per mistake: not when a time is unreadable)
            self.problem(f"{where}.close", f"{closes:%H:%M} is not after {where}.open ({opens:%H:%M})")
        opens, closes = opens or dt.time(9), closes or dt.time(17)
        calendar = self.bank_holidays(section.get("bank_holidays", schema.node_at("office_hours.bank_holidays").default),
                                      where)
        closures = []
        raw_closures = section.get("closures") or []
        if not isinstance(raw_closures, list):
            self.problem(f"{where}.closures", "must be a list of dates or {from, to} ranges")
            raw_closures = []
        moment = schema.node_at("office_hours.closures.from")
        for index, item in enumerate(raw_closures):
            key = f"{where}.closures[{index}]"
            if isinstance(item, dict):
                start = moment.read(item.get("from"), f"{key}.from", self.problem, zone=zone)
                end = moment.read(item.get("to"), f"{key}.to", self.problem, zone=zone)
            else:
                start = moment.read(item, key, self.problem, zone=zone)
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
                areas: Mapping[str, Area], default_area: str | None) -> Routing:
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
