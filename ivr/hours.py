"""Who answers "speak to someone" at a given moment.

The moment is always passed in (``now``), never read here, so tests and the
call simulator can ask about any day. Any aware datetime works: it is converted
to the line's own zone, whatever ``TZ`` the server runs under.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .config import Contact


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

    def next_change(self, now: dt.datetime, days: int = 21) -> dt.datetime | None:
        """The next moment the office opens or closes (within ``days``), for the console."""
        local = self.local(now)
        open_now = self.is_open(local)
        moments = set()
        for offset in range(days + 1):
            day = local.date() + dt.timedelta(days=offset)
            moments.add(dt.datetime.combine(day, self.opens, self.zone))
            moments.add(dt.datetime.combine(day, self.closes, self.zone))
            # (a bank holiday changes nothing between these: the office is closed at midnight)
        for closure in self.closures:
            moments.update((closure.start, closure.end))
        return next((m for m in sorted(moments) if m > local and self.is_open(m) != open_now), None)

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


@dataclass(frozen=True)
class Routing:
    hours: OfficeHours
    in_hours: "Contact"
    out_of_hours: "Contact"
    override: "Contact | None" = None

    def route_for(self, now: dt.datetime) -> "Contact":
        if self.override is not None:
            return self.override
        return self.in_hours if self.hours.is_open(now) else self.out_of_hours

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
        hours = self.hours
        if self.override is not None:
            return "the override in line.yaml sends every call there"
        if hours.is_open(now):
            return "office hours"
        local = hours.local(now)
        if (holiday := hours.bank_holiday(local)) and local.weekday() in hours.weekdays:
            return f"bank holiday: {holiday.replace('(observed)', '(substitute day)')}"
        if (closure := hours.closure(local)) is not None:
            return f"closed from {closure.start:%d %b %H:%M} to {closure.end:%d %b %H:%M}"
        if local.weekday() not in hours.weekdays:
            return "weekend"
        return "outside office hours"
