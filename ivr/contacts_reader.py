"""Reading who the line puts callers through to from line.yaml: contacts and their numbers, the
areas with their own contacts and hours, and the routing between them (part of the reader in
ivr/config_reader.py)."""
from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any, Mapping

from . import line_schema
from .phone_numbers import grouped, national_forms
from .routing import NAMED_HOURS, Area, Contact, Dialled, OfficeHours, Routing
from .schema import MISSING, NAME, did_you_mean


class ContactsReading:
    """Needs the reader's ``problem``, ``mapping``, ``value`` and ``office_hours``."""

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
        if isinstance(value, list) and value and all(isinstance(period, dict) for period in value):
            return tuple(self.office_hours(period, zone, where=f"{key}[{index}]") for index, period in enumerate(value))
        self.problem(key, f"{value!r} must be one of: {', '.join(NAMED_HOURS)}; or days and times of its own "
                          "({days: [Mon, Tue], open: \"08:00\", close: \"22:00\"}), or a list of them")
        return None

    def dialled(self, item: dict, key: str, ring_seconds: int) -> tuple[Dialled, ...]:
        """A contact's numbers, in order: `number` alone, or `numbers` (each {number, ring_seconds})."""
        if "numbers" in item and "number" in item:
            self.problem(f"{key}.numbers", "give either number or numbers, not both")
        raw = item.get("numbers", [{"number": item.get("number")}])
        if not isinstance(raw, list) or not raw:
            self.problem(f"{key}.numbers", "must list at least one number, each {number: \"+44...\", ring_seconds: 20}")
            return ()
        ring = line_schema.node_at("contacts.*.numbers.ring_seconds")
        found = []
        for index, entry in enumerate(raw):
            where = f"{key}.numbers[{index}]" if "numbers" in item else f"{key}.number"
            entry = entry if isinstance(entry, dict) else {"number": entry}
            number = line_schema.node_at("contacts.*.number").read(
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
        routing = raw.get("routing") if isinstance(raw.get("routing"), dict) else None   # (None: said once)
        anywhere = set(contacts) | {str(name) for item in section.values() if isinstance(item, dict)
                                    and isinstance(item.get("contacts"), dict) for name in item["contacts"]}
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
            area_routing = self.route(routing, merged, hours, where=key, anywhere=anywhere)
            result[str(name)] = Area(str(name), str(item.get("name") or name), MappingProxyType(merged),
                                     area_routing, MappingProxyType(dict(spoken)))
        return result

    def routing(self, value: Any, contacts: Mapping[str, Contact], hours: OfficeHours,
                areas: Mapping[str, Area], default_area: str | None) -> Routing:
        """The line's own routing: of its one area; with areas, of its own area (`area`), or on a
        regional number, of a call whose area is not known (in office hours: routing.not_sure)."""
        section = self.mapping(value, "routing")
        if not isinstance(value, dict):   # (missing, or not a mapping: said once, just now)
            return Routing(hours, None, None)
        if areas and default_area is not None:
            return areas[default_area].routing
        if len(areas) > 1:
            if section.get("not_sure") is None:
                self.problem("routing.not_sure", "is missing: who answers in office hours a caller who does not "
                                                 "know the child's area (a contact under contacts)")
                return Routing(hours, None, None)
            return self.route(section, contacts, hours, in_hours="not_sure")
        return self.route(section, contacts, hours)

    def route(self, section: dict | None, contacts: Mapping[str, Contact], hours: OfficeHours, where: str = "",
              in_hours: str = "in_hours", anywhere: set[str] = frozenset()) -> Routing:
        """The contacts routing names, among ``contacts`` (an area's, when ``where`` names it; then
        ``anywhere``: every contact of the line's and of its areas'). Each mistake is named once, at
        its own key: not again for each area that reads it (a misspelt ``routing:`` gave twelve
        lines). ``section`` None: line.yaml has no routing, which the line's own reading names."""
        if section is None:
            return Routing(hours, None, None)
        chosen = {}
        for name in (in_hours, "out_of_hours", "override"):
            key = section.get(name)
            if key is None and name == "override":
                chosen[name] = None
                continue
            if key not in contacts:
                if key is None:
                    self.problem(f"routing.{name}", "is missing")
                elif where and str(key) in anywhere:   # an area's own contact, which this area lacks
                    self.problem(where, f"has no contact {key!r} (routing.{name}): give it one under "
                                        f"{where}.contacts, or under contacts for every area")
                else:
                    self.problem(f"routing.{name}", f"{key!r} is not a contact in line.yaml"
                                                    f"{did_you_mean(key, sorted(anywhere or contacts))}")
            chosen[name] = contacts.get(key)
        return Routing(hours, chosen[in_hours], chosen["out_of_hours"], chosen["override"])
