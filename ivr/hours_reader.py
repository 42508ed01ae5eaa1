"""Reading office hours from line.yaml: days, times, bank holidays and closures (part of the
reader in ivr/config_reader.py)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from . import bank_holidays, line_schema
from .routing import Closure, OfficeHours
from .schema import WEEKDAYS


class HoursReading:
    """Needs the reader's ``problem``, ``mapping`` and ``value``."""

    def office_hours(self, value: Any, zone, where: str = "office_hours") -> OfficeHours:
        section = self.mapping(value, where)
        days = section.get("days", line_schema.node_at("office_hours.days").default)
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
        calendar = self.bank_holidays(section.get("bank_holidays", line_schema.node_at("office_hours.bank_holidays").default),
                                      where)
        closures = []
        raw_closures = section.get("closures") or []
        if not isinstance(raw_closures, list):
            self.problem(f"{where}.closures", "must be a list of dates or {from, to} ranges")
            raw_closures = []
        moment = line_schema.node_at("office_hours.closures.from")
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
            return bank_holidays.calendar(str(country), subdivision)
        except NotImplementedError as error:
            if "subdivision" in str(error):
                self.problem(f"{where}.bank_holidays.subdivision",
                             f"{subdivision!r} is not a subdivision of {country} (NIR for Northern Ireland)")
            else:
                self.problem(f"{where}.bank_holidays.country",
                             f"{country!r} is not a country code the holidays package knows (GB for the UK)")
        return None
