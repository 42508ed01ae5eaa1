"""Who answers "speak to someone" at a given moment, why, and who is open: the routing service.

Everything about hours lives here: an area's office hours (days, times, bank holidays,
closures), the hours a contact keeps of its own, and the choice of who answers a caller in
an area now. The moment is always passed in (``now``), never read here, so tests and the call
simulator can ask about any day. Any aware datetime works: it is converted to the line's own
zone, whatever ``TZ`` the server runs under.

A contact's own hours (line.yaml ``contacts.<name>.hours``) are one of:
  None                    whenever the routing sends callers there (the default)
  "any time"              always open
  "office hours"          open when its area's office is
  "outside office hours"  open when its area's office is closed
  OfficeHours             days and times of its own (with bank holidays and closures)
  (OfficeHours, ...)      several such periods, open while any is (weekdays 8 to 10, weekends 9 to 6)
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Union
from zoneinfo import ZoneInfo

ANY_TIME = "any time"
OFFICE_HOURS = "office hours"
OUTSIDE_OFFICE_HOURS = "outside office hours"
NAMED_HOURS = (ANY_TIME, OFFICE_HOURS, OUTSIDE_OFFICE_HOURS)


@dataclass(frozen=True)
class Closure:
    """A period the office is shut although it would normally be open."""
    start: dt.datetime
    end: dt.datetime

    def covers(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class OfficeHours:
    zone: ZoneInfo
    weekdays: frozenset[int]   # Monday is 0
    opens: dt.time
    closes: dt.time            # the first moment it is closed again
    bank_holidays: Any         # a holidays.HolidayBase, or None
    closures: tuple[Closure, ...] = ()

    def local(self, now: dt.datetime) -> dt.datetime:
        if now.tzinfo is None:
            raise ValueError("office hours need an aware datetime (with a time zone)")
        return now.astimezone(self.zone)

    def parse_local(self, text: str) -> dt.datetime:
        """ "2026-07-13 10:00" (or "2026-07-13T10:00") in the line's zone; ValueError if it is not a time."""
        moment = dt.datetime.fromisoformat(text)
        return moment.replace(tzinfo=self.zone) if moment.tzinfo is None else moment

    def bank_holiday(self, now: dt.datetime) -> str | None:
        """The name of the bank holiday on this local day, if it is one."""
        if self.bank_holidays is None:
            return None
        return self.bank_holidays.get(self.local(now).date())

    def closure(self, now: dt.datetime) -> Closure | None:
        local = self.local(now)
        return next((closure for closure in self.closures if closure.covers(local)), None)

    def moments(self, now: dt.datetime, days: int) -> set[dt.datetime]:
        """Every moment within ``days`` at which the office may open or close."""
        local = self.local(now)
        found = set()
        for offset in range(days + 1):
            day = local.date() + dt.timedelta(days=offset)
            found.add(dt.datetime.combine(day, self.opens, self.zone))
            found.add(dt.datetime.combine(day, self.closes, self.zone))
            # (a bank holiday changes nothing between these: the office is closed at midnight)
        for closure in self.closures:
            found.update((closure.start, closure.end))
        return found

    def next_change(self, now: dt.datetime, days: int = 21) -> dt.datetime | None:
        """The next moment the office opens or closes (within ``days``), for the console."""
        local = self.local(now)
        open_now = self.is_open(local)
        return next((m for m in sorted(self.moments(local, days)) if m > local and self.is_open(m) != open_now), None)

    def next_bank_holiday(self, now: dt.datetime, days: int = 400) -> tuple[dt.date, str] | None:
        if self.bank_holidays is None:
            return None
        today = self.local(now).date()
        for offset in range(days):
            day = today + dt.timedelta(days=offset)
            name = self.bank_holidays.get(day)
            if name:
                return day, name
        return None

    def is_open(self, now: dt.datetime) -> bool:
        local = self.local(now)
        return (
            local.weekday() in self.weekdays
            and self.opens <= local.time() < self.closes
            and self.bank_holiday(local) is None
            and not any(closure.covers(local) for closure in self.closures)
        )


NOT_SURE = "Callers not sure of the child's area"   # (for the council's console: on a regional number, no area known)

Hours = Union[str, OfficeHours, tuple[OfficeHours, ...], None]   # a contact's own hours: see the module's docstring


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
    hours: Hours = None   # its own opening hours (see the module's docstring); None: the routing's

    @property
    def number(self) -> str:
        return self.numbers[0].number


@dataclass(frozen=True)
class Routing:
    """Who answers in one area: ``in_hours`` while its office is open, ``out_of_hours`` while it is
    closed, ``override`` (when set) at any time; a contact closed by hours of its own is passed
    over for the other."""
    hours: OfficeHours
    in_hours: Contact
    out_of_hours: Contact
    override: Contact | None = None

    def is_open(self, contact: Contact, now: dt.datetime, without_hours: bool = True) -> bool:
        """Whether ``contact`` takes calls now, by hours of its own; one without any is taken as
        ``without_hours`` says (it answers whenever the routing sends callers there)."""
        hours = contact.hours
        if hours is None:
            return without_hours
        if hours == ANY_TIME:
            return True
        if hours == OFFICE_HOURS:
            return self.hours.is_open(now)
        if hours == OUTSIDE_OFFICE_HOURS:
            return not self.hours.is_open(now)
        if isinstance(hours, tuple):
            return any(period.is_open(now) for period in hours)
        return hours.is_open(now)

    def route_for(self, now: dt.datetime) -> Contact:
        if self.override is not None:
            return self.override
        office_open = self.hours.is_open(now)
        first, other = (self.in_hours, self.out_of_hours) if office_open else (self.out_of_hours, self.in_hours)
        if self.is_open(first, now):
            return first
        # Closed by hours of its own: the other, if hours of its own say it is open now (without any,
        # it answers only in its own part of the day); if neither, the out-of-hours service, the
        # line's last resort (someone must be rung).
        return other if self.is_open(other, now, without_hours=False) else self.out_of_hours

    def urgent_offered(self, failed: str | None, now: dt.datetime) -> bool:
        """In office hours, a caller the day team could not take may try the out-of-hours service,
        while it is open (and it is not the one that just failed)."""
        urgent = self.out_of_hours
        return failed != urgent.key and self.hours.is_open(now) and self.is_open(urgent, now)

    def why(self, number: str, now: dt.datetime) -> str:
        """Why a transfer to ``number`` goes there now, for a transcript: the routing's reason, or
        the caller's own choice of the out-of-hours service when the office is open."""
        answering = self.route_for(now)
        if number in (n.number for n in answering.numbers):
            return f"{answering.name}: {self.reason(now)}"
        if number in (n.number for n in self.out_of_hours.numbers):
            return f"{self.out_of_hours.name}: the caller chose it as urgent"
        return "a number of line.yaml"

    def reason(self, now: dt.datetime) -> str:
        """Why ``route_for(now)`` is who it is, in a few words for the console."""
        if self.override is not None:
            return "the override in line.yaml sends every call there"
        hours = self.hours
        first = self.in_hours if hours.is_open(now) else self.out_of_hours
        passed_over = "" if self.is_open(first, now) else f", and {first.name} is closed"
        if hours.is_open(now):
            return "office hours" + passed_over
        local = hours.local(now)
        if (holiday := hours.bank_holiday(local)) and local.weekday() in hours.weekdays:
            why = f"bank holiday: {holiday.replace('(observed)', '(substitute day)')}"
        elif (closure := hours.closure(local)) is not None:
            why = f"closed from {closure.start:%d %b %H:%M} to {closure.end:%d %b %H:%M}"
        elif local.weekday() not in hours.weekdays:
            why = "weekend"
        else:
            why = "outside office hours"
        return why + passed_over


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


class Routes:
    """The routing service: who answers, who is open, why and until when, in every area of the
    line. ``areas``: line.yaml's (empty: one area); ``default``: the area of a call to a number
    without one (None: the caller is asked); ``unknown``: the view of a call whose area is not
    known yet (on a regional number), or of the whole line when it has no areas."""

    def __init__(self, areas: Mapping[str, Area], default: str | None, unknown: Area):
        self.areas = areas
        self.default = default
        self.unknown = unknown

    # -- which area -----------------------------------------------------------------
    def area(self, key: str | None) -> Area:
        """The area ``key``; without one, the line's own area (``default``), or, on a regional
        number, the view of a call whose area is not known yet (routing.in_hours: not_sure)."""
        return self.areas.get(key) or self.areas.get(self.default) or self.unknown

    @property
    def asks_area(self) -> bool:
        """Whether some calls come in with no area known (a regional number)."""
        return len(self.areas) > 1 and self.default is None

    def every_area(self) -> tuple[Area, ...]:
        """Each area a call can be in, the unknown one included where a call can be there."""
        return tuple(self.areas.values()) + ((self.unknown,) if self.asks_area or not self.areas else ())

    # -- who answers ------------------------------------------------------------------
    def answering(self, area: str | None, now: dt.datetime) -> Contact:
        """Who answers "speak to someone" in ``area`` now."""
        return self.area(area).routing.route_for(now)

    def office_open(self, area: str | None, now: dt.datetime) -> bool:
        return self.area(area).routing.hours.is_open(now)

    def urgent(self, area: str | None) -> Contact:
        """Who takes an urgent call after a failed transfer: the area's out-of-hours service."""
        return self.area(area).routing.out_of_hours

    def urgent_offered(self, area: str | None, failed: str | None, now: dt.datetime) -> bool:
        return self.area(area).routing.urgent_offered(failed, now)

    def open_now(self, area: str | None, now: dt.datetime) -> frozenset[str]:
        """The contacts of ``area`` that take calls now: those with hours of their own while they
        are open, the others always (they answer whenever the routing sends callers there)."""
        view = self.area(area)
        return frozenset(key for key, contact in view.contacts.items() if view.routing.is_open(contact, now))

    def needs_area(self, now: dt.datetime) -> bool:
        """Whether who answers now depends on the area: only then is a caller asked for it."""
        return self.asks_area and len({a.routing.route_for(now).number for a in self.areas.values()}) > 1

    # -- why, and when --------------------------------------------------------------------
    def why(self, number: str, now: dt.datetime, area: str | None = None) -> str:
        """Why a transfer to ``number`` goes there now, for a transcript: in ``area`` if the call is
        known to be there, else in whichever area's routing dials that number now."""
        views = [self.area(area)] if area else self.every_area()
        line_contacts = self.unknown.contacts
        for view in views:
            answering = view.routing.route_for(now)
            if number in (n.number for n in answering.numbers):
                own = view.key and answering.key not in line_contacts and view.name not in answering.name
                return view.routing.why(number, now) + (f" ({view.name})" if own else "")
        return views[0].routing.why(number, now)

    def reason(self, now: dt.datetime) -> str:
        """Why a call whose area is not known (on a line of one area: any call) goes where it goes now."""
        return self.area(None).routing.reason(now)

    def now_in_each_area(self, now: dt.datetime) -> list[tuple[str, Contact, str]]:
        """Per area (and, on a regional number, for callers not sure of theirs): who answers now, and why."""
        if not self.areas:
            return []
        rows = [(area.name, area.routing.route_for(now), area.routing.reason(now)) for area in self.areas.values()]
        if self.asks_area:
            rows.append((NOT_SURE, self.answering(None, now), self.reason(now)))
        return rows

    def contacts(self) -> Iterable[tuple[Area, Contact]]:
        """Every contact a call can be put through to, with the area it is reached from."""
        return ((area, contact) for area in self.every_area() for contact in area.contacts.values())
