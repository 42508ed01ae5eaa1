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

    def bank_holiday(self, now: dt.datetime) -> str | None:
        """The name of the bank holiday on this local day, if it is one."""
        if self.bank_holidays is None:
            return None
        return self.bank_holidays.get(self.local(now).date())

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
